import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { KeyVerifier } from '../domain/key-verifier';
import { defaultUnscopedRoutes, type UnscopedRoutes } from '../domain/route-scope-check';
import { NO_ROUTE_SCOPES, type RouteScopes } from '../domain/route-scopes';
import { header } from '../http/request';
import { DenialLog } from '../observability/denial-log';
import { describeError, type AppLogger } from '../observability/logger';
import type { VerdictMetrics } from '../observability/verdict-metrics';

/** What the protected backend receives in `requestContext.authorizer.lambda`. */
export interface KeyContext {
  readonly sub: string;
  readonly keyId: string;
  readonly scopes: readonly string[];
  /** The same scopes, space-separated (OAuth style), for header mappings such as `x-api-key-scopes`. */
  readonly scope: string;
  /** The signed identity assertion (an ES256 JWT): a URL backend gets it as `x-api-key-assertion`. */
  readonly assertion?: string;
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
  /** Every allow must carry a signed assertion (the deployed and local authorizers): one without is a fault, never an allow. */
  readonly requireAssertion?: boolean | undefined;
  /** The header the key comes in (KEY_HEADER, lower case): `authorization` by default. */
  readonly keyHeader?: string | undefined;
  /** Counts each outcome (allowed, each denial code, error) for the EMF metrics; no allocation per request (flush: at shutdown). */
  readonly metrics?: Pick<VerdictMetrics, 'tick' | 'count' | 'flush'> | undefined;
  /** A "key allowed" DEBUG line per allow (default: off; the wiring turns it on when the logger is at DEBUG). */
  readonly logAllows?: boolean | undefined;
  /** The "key denied" lines, one per kind a minute (default: a DenialLog on `logger`). */
  readonly denials?: Pick<DenialLog, 'denied'> | undefined;
}

/** A header of its own (KEY_HEADER, e.g. `x-api-key`) may carry the bare key: read as `Bearer <key>`. */
function presentedCredential(value: string | undefined, keyHeader: string): string | undefined {
  if (keyHeader === 'authorization' || value === undefined || value === '' || /^(Bearer|Basic) /i.test(value)) return value;
  return `Bearer ${value}`;
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
  const keyHeader = deps.keyHeader ?? 'authorization';
  const denials = deps.denials ?? new DenialLog({ logger: deps.logger });
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    deps.metrics?.tick();
    let verdict;
    try {
      verdict = await deps.verifier.verify(presentedCredential(header(event, keyHeader), keyHeader));
    } catch (error) {
      deps.logger.error('key verification failed', { routeKey: event.routeKey, ...describeError(error) });
      deps.metrics?.count('ERROR');
      throw error;
    }
    if (!verdict.valid) {
      deps.metrics?.count(verdict.code);
      denials.denied({ code: verdict.code, keyId: verdict.keyId, routeKey: event.routeKey });
      return { isAuthorized: false, context: {} };
    }
    const required = routeScopes.get(event.routeKey);
    if (required === undefined && unscopedRoutes === 'deny') {
      // Fails closed: a route the operator forgot in ROUTE_SCOPES lets no key in.
      deps.metrics?.count('UNSCOPED_ROUTE');
      denials.denied({ code: 'UNSCOPED_ROUTE', keyId: verdict.keyId, routeKey: event.routeKey });
      return { isAuthorized: false, context: {} };
    }
    if (required !== undefined && !verdict.scopes.includes(required)) {
      deps.metrics?.count('INSUFFICIENT_SCOPE');
      denials.denied({ code: 'INSUFFICIENT_SCOPE', keyId: verdict.keyId, routeKey: event.routeKey, required });
      return { isAuthorized: false, context: {} };
    }
    if (deps.requireAssertion === true && verdict.assertion === undefined) {
      // Fails closed: the backend trusts only what the assertion says.
      deps.logger.error('allowed key has no assertion', { keyId: verdict.keyId, routeKey: event.routeKey });
      deps.metrics?.count('ERROR');
      throw new Error('no identity assertion for an allowed key');
    }
    deps.metrics?.count('ALLOWED');
    // Not even a disabled DEBUG call on the hot path: its argument object and Powertools' level check cost more than the lookup.
    if (deps.logAllows === true) deps.logger.debug('key allowed', { keyId: verdict.keyId, routeKey: event.routeKey });
    deps.usage?.record(verdict.keyId, deps.clock?.() ?? new Date());
    return {
      isAuthorized: true,
      context: {
        sub: verdict.ownerId,
        keyId: verdict.keyId,
        scopes: verdict.scopes,
        scope: verdict.scopes.join(' '),
        ...(verdict.assertion !== undefined ? { assertion: verdict.assertion } : {}),
      },
    };
  };
}
