import { readJsonBody } from '../http/request';
import { jsonResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** POST /keys: the response is the only time the key is ever shown. */
export const createCreateKeyHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('POST /keys', deps, async (caller, event) => jsonResponse(201, await deps.keys.create(caller, readJsonBody(event))));
