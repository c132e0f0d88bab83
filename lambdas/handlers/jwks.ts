import type { Jwks } from '../domain/signing-keys';
import { DependencyUnavailableError } from '../domain/errors';
import type { JwksBody } from '../http/response-schemas';
import { errorResponse, type HttpResponse } from '../http/responses';
import { describeError, type AppLogger } from '../observability/logger';

export interface JwksDependencies {
  /** The public keys only (the SSM parameter in Lambda, the process's own key set under `npm start`). */
  readonly source: { jwks(): Promise<Jwks> };
  readonly logger: AppLogger;
}

/**
 * Five minutes: far under the hour a new key waits before it signs
 * (KEY_ACTIVATION_DELAY_MS), so any cache has fetched it by then, and short
 * enough that a caller polling it costs little.
 */
export const JWKS_CACHE_CONTROL = 'public, max-age=300';

/** GET /.well-known/jwks.json: the keys that verify `x-api-key-assertion`; public, as a JWKS is. */
export function createJwksHandler(deps: JwksDependencies) {
  return async (): Promise<HttpResponse> => {
    try {
      const jwks = await deps.source.jwks();
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': JWKS_CACHE_CONTROL },
        body: JSON.stringify({ keys: jwks.keys } satisfies JwksBody),
      };
    } catch (error) {
      deps.logger.error('JWKS unavailable', describeError(error));
      return errorResponse(new DependencyUnavailableError('The signing keys could not be read; try again shortly', 'JWKS_UNAVAILABLE'));
    }
  };
}
