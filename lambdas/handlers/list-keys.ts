import type { KeyPageBody } from '../http/response-schemas';
import { jsonResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** GET /keys?limit=&cursor=: a page of the caller's own keys, with status, never a secret or hash. */
export const createListKeysHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('GET /keys', deps, async (caller, event) =>
    jsonResponse(200, (await deps.keys.list(caller.sub, event.queryStringParameters)) satisfies KeyPageBody),
  );
