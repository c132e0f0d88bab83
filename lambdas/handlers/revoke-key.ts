import { pathParameter } from '../http/request';
import { emptyResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** DELETE /keys/{id}: 204, again and again for the owner; 404 for anyone else. */
export const createRevokeKeyHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('DELETE /keys/{id}', deps, async (caller, event) => {
    await deps.keys.revoke(caller, pathParameter(event, 'id'));
    return emptyResponse(204);
  });
