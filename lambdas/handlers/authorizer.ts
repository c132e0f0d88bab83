import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { KeyVerifier } from '../domain/key-verifier';
import { defaultUnscopedRoutes, type UnscopedRoutes } from '../domain/route-scope-check';
import { NO_ROUTE_SCOPES, type RouteScopes } from '../domain/route-scopes';
import { header } from '../http/request';
import { describeError, type AppLogger } from '../observability/logger';

/** What the protected backend receives in `requestContext.authorizer.lambda`. */
export interface KeyContext {
  readonly sub: string;
  readonly keyId: string;
  readonly scopes: readonly string[];
  /** The same scopes, space-separated (OAuth style), for header mappings such as `x-api-key-scopes`. */
  readonly scope: string;
}

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<KeyContext | Record<string, never>>;

export interface AuthorizerDependencies {
  readonly verifier: Pick<KeyVerifier, 'verify'>;
  readonly logger: AppLogger;
  /** Notes each allowed key's use; never awaited, so it costs the request nothing. */
  readonly usage?: { record(keyId: string, now: Date): unknown } | undefined;
  readonly clock?: (() => Date) | undefined;
  /** The scope each route requires; a key without it is denied on that route. */
  readonly routeScopes?: RouteScopes | undefined;
  /** A route with no required scope: `deny` refuses every key there (default: `deny` once any route has a scope). */
  readonly unscopedRoutes?: UnscopedRoutes | undefined;
}

/**
 * API Gateway HTTP API Lambda authorizer (payload 2.0, simple responses).
 * Denials are values. A fault is rethrown: API Gateway answers 500 and, unlike
 * a deny, does not cache it, so a passing DynamoDB fault never locks a valid
 * key out for the cache TTL, and nothing is ever allowed because of it.
 *
 * The decision depends on the route (its required scope), so API Gateway must
 * cache it per route too: `$context.routeKey` is among the identity sources.
 */
export function createAuthorizerHandler(deps: AuthorizerDependencies) {
  const routeScopes = deps.routeScopes ?? NO_ROUTE_SCOPES;
  const unscopedRoutes = deps.unscopedRoutes ?? defaultUnscopedRoutes(routeScopes);
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
    const required = routeScopes.get(event.routeKey);
    if (required === undefined && unscopedRoutes === 'deny') {
      // Fails closed: a route the operator forgot in ROUTE_SCOPES lets no key in.
      deps.logger.info('key denied', { code: 'UNSCOPED_ROUTE', keyId: verdict.keyId, routeKey: event.routeKey });
      return { isAuthorized: false, context: {} };
    }
    if (required !== undefined && !verdict.scopes.includes(required)) {
      deps.logger.info('key denied', { code: 'INSUFFICIENT_SCOPE', keyId: verdict.keyId, routeKey: event.routeKey, required });
      return { isAuthorized: false, context: {} };
    }
    deps.logger.debug('key allowed', { keyId: verdict.keyId, routeKey: event.routeKey });
    deps.usage?.record(verdict.keyId, deps.clock?.() ?? new Date());
    return {
      isAuthorized: true,
      context: { sub: verdict.ownerId, keyId: verdict.keyId, scopes: verdict.scopes, scope: verdict.scopes.join(' ') },
    };
  };
}
