import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../domain/idempotency';
import type { Replayable } from '../domain/idempotent-requests';
import { header, readJsonBody } from '../http/request';
import type { CreatedKeyBody, RotatedKeyBody } from '../http/response-schemas';
import { jsonResponse, type HttpResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** 201 with the key; a replay (the same Idempotency-Key and request again) says so in a header, with the same body. */
export function createdResponse(result: Replayable<CreatedKeyBody | RotatedKeyBody>): HttpResponse {
  const response = jsonResponse(201, result.outcome);
  return result.replayed ? { ...response, headers: { ...response.headers, 'idempotent-replayed': 'true' } } : response;
}

/** POST /keys: the response is the only time the key is ever shown (and its replay, to the holder of its Idempotency-Key). */
export const createCreateKeyHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('POST /keys', deps, async (caller, event) => {
    const idempotencyKey = parseIdempotencyKey(header(event, IDEMPOTENCY_KEY_HEADER));
    return createdResponse(await deps.keys.createOnce(caller, readJsonBody(event), idempotencyKey));
  });
