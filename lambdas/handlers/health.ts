import type { HealthBody } from '../http/response-schemas';
import { jsonResponse, type HttpResponse } from '../http/responses';

/** GET /health: no auth, no dependencies; says the gateway and its functions are up. */
export function healthHandler(): Promise<HttpResponse> {
  return Promise.resolve(jsonResponse(200, { status: 'ok' } satisfies HealthBody));
}
