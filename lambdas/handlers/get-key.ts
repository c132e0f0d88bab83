import { pathParameter } from '../http/request';
import type { KeyViewBody } from '../http/response-schemas';
import { jsonResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** GET /keys/{id}: 404 for a missing key and for someone else's alike. */
export const createGetKeyHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('GET /keys/{id}', deps, async (caller, event) =>
    jsonResponse(200, (await deps.keys.get(caller.sub, pathParameter(event, 'id'))) satisfies KeyViewBody),
  );
