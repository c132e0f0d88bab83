import { pathParameter, readOptionalJsonBody } from '../http/request';
import { jsonResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** POST /keys/{id}/rotate: a new key, shown once; the old one works until its grace period ends. */
export const createRotateKeyHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('POST /keys/{id}/rotate', deps, async (caller, event) =>
    jsonResponse(201, await deps.keys.rotate(caller, pathParameter(event, 'id'), readOptionalJsonBody(event))),
  );
