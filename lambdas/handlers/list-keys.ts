import { jsonResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** GET /keys: the caller's own keys, with status, never a secret or hash. */
export const createListKeysHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('GET /keys', deps, async (principal) =>
    jsonResponse(200, { keys: await deps.keys.list(principal.sub) }),
  );
