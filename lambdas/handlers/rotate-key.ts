import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../domain/idempotency';
import { header, pathParameter, readOptionalJsonBody } from '../http/request';
import { createdResponse } from './create-key';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** POST /keys/{id}/rotate: a new key, shown once; the old one works until its grace period ends. */
export const createRotateKeyHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('POST /keys/{id}/rotate', deps, async (caller, event) => {
    const idempotencyKey = parseIdempotencyKey(header(event, IDEMPOTENCY_KEY_HEADER));
    return createdResponse(await deps.keys.rotateOnce(caller, pathParameter(event, 'id'), readOptionalJsonBody(event), idempotencyKey));
  });
