import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import type { KeyVerifier } from '../domain/key-verifier';
import { header } from '../http/request';
import { describeError, type AppLogger } from '../observability/logger';

/** What the protected backend receives in `requestContext.authorizer.lambda`. */
export interface KeyContext {
  readonly sub: string;
  readonly keyId: string;
  readonly scopes: readonly string[];
}

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<KeyContext | Record<string, never>>;

export interface AuthorizerDependencies {
  readonly verifier: Pick<KeyVerifier, 'verify'>;
  readonly logger: AppLogger;
  /** Notes each allowed key's use; never awaited, so it costs the request nothing. */
  readonly usage?: { record(keyId: string, now: Date): unknown };
  readonly clock?: () => Date;
}

/**
 * API Gateway HTTP API Lambda authorizer (payload 2.0, simple responses).
 * Denials are values. A fault is rethrown: API Gateway answers 500 and, unlike
 * a deny, does not cache it, so a passing DynamoDB fault never locks a valid
 * key out for the cache TTL, and nothing is ever allowed because of it.
 */
export function createAuthorizerHandler(deps: AuthorizerDependencies) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    let verdict;
    try {
      verdict = await deps.verifier.verify(header(event, 'authorization'));
    } catch (error) {
      deps.logger.error('key verification failed', { routeKey: event.routeKey, ...describeError(error) });
      throw error;
    }
    if (!verdict.valid) {
      deps.logger.info('key denied', { code: verdict.code, keyId: verdict.keyId, routeKey: event.routeKey });
      return { isAuthorized: false, context: {} };
    }
    deps.logger.debug('key allowed', { keyId: verdict.keyId, routeKey: event.routeKey });
    deps.usage?.record(verdict.keyId, deps.clock?.() ?? new Date());
    return {
      isAuthorized: true,
      context: { sub: verdict.ownerId, keyId: verdict.keyId, scopes: verdict.scopes },
    };
  };
}
