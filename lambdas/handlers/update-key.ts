import { pathParameter, readJsonBody } from '../http/request';
import type { KeyViewBody } from '../http/response-schemas';
import { jsonResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** PATCH /keys/{id} `{ name?, enabled? }`: rename, disable or enable; 200 with the key's new state. */
export const createUpdateKeyHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('PATCH /keys/{id}', deps, async (caller, event) =>
    jsonResponse(200, (await deps.keys.update(caller, pathParameter(event, 'id'), readJsonBody(event))) satisfies KeyViewBody),
  );
