/**
 * The HTTP API's routes, shared by the CDK stack and the local gateway so the
 * two serve the same surface.
 *
 * - `apiKey`:      the Lambda authorizer checks an API key first
 * - `accessToken`: the function verifies an Auth0 access token itself
 *                  (in AWS, API Gateway's JWT authorizer checks it at the edge too)
 * - `none`:        public
 */
export type RouteAuth = 'apiKey' | 'accessToken' | 'none';

export type FunctionName =
  | 'health'
  | 'whoami'
  | 'jwks'
  | 'token'
  | 'createKey'
  | 'listKeys'
  | 'getKey'
  | 'revokeKey'
  | 'rotateKey'
  | 'updateKey'
  | 'listKeyEvents'
  | 'adminListKeys'
  | 'adminRevokeKeys'
  | 'auth0Webhook'
  | 'console'
  | 'secretScanning'
  | 'openapi';

/** API Gateway's token bucket for one route: requests per second, and the burst it absorbs. */
export interface RouteThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly auth: RouteAuth;
  readonly function: FunctionName;
  /** Tighter than the stage's default; applies to the route as a whole, all callers together. */
  readonly throttle?: RouteThrottle;
}

/**
 * A ceiling for the routes that create keys, all callers together, well above
 * what owners use: each owner's own budget is the fair limit
 * (OWNER_KEY_CREATION_RATE, lambdas/store/owner-rate.ts), so one client
 * cannot lock every owner out. The operator sets it (KEY_CREATION_RATE_LIMIT,
 * KEY_CREATION_BURST_LIMIT); see routesWithKeyCreationThrottle.
 */
export const DEFAULT_KEY_CREATION_THROTTLE: RouteThrottle = { rateLimit: 50, burstLimit: 100 };
const KEY_CREATION_THROTTLE = DEFAULT_KEY_CREATION_THROTTLE;

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', auth: 'none', function: 'health' },
  // The public keys that verify the gateway's x-api-key-assertion: public, as any JWKS.
  { method: 'GET', path: '/.well-known/jwks.json', auth: 'none', function: 'jwks' },
  { method: 'GET', path: '/whoami', auth: 'apiKey', function: 'whoami' },
  // The OAuth 2.0 client-credentials grant: public (the client authenticates with its key there), throttled like key creation.
  { method: 'POST', path: '/oauth/token', auth: 'none', function: 'token', throttle: KEY_CREATION_THROTTLE },
  { method: 'POST', path: '/keys', auth: 'accessToken', function: 'createKey', throttle: KEY_CREATION_THROTTLE },
  { method: 'GET', path: '/keys', auth: 'accessToken', function: 'listKeys' },
  { method: 'GET', path: '/keys/{id}', auth: 'accessToken', function: 'getKey' },
  { method: 'PATCH', path: '/keys/{id}', auth: 'accessToken', function: 'updateKey' },
  { method: 'DELETE', path: '/keys/{id}', auth: 'accessToken', function: 'revokeKey' },
  { method: 'POST', path: '/keys/{id}/rotate', auth: 'accessToken', function: 'rotateKey', throttle: KEY_CREATION_THROTTLE },
  { method: 'GET', path: '/keys/{id}/events', auth: 'accessToken', function: 'listKeyEvents' },
  // Support staff (ADMIN_SCOPE): one user's keys, and revoking all of them.
  { method: 'GET', path: '/admin/users/{sub}/keys', auth: 'accessToken', function: 'adminListKeys' },
  { method: 'POST', path: '/admin/users/{sub}/revoke-keys', auth: 'accessToken', function: 'adminRevokeKeys' },
  // The key owners' console and the drop-in component (lambdas/handlers/console.ts): public files; the page logs in to Auth0 itself.
  { method: 'GET', path: '/console', auth: 'none', function: 'console' },
  { method: 'GET', path: '/console/{proxy+}', auth: 'none', function: 'console' },
  // GitHub's secret scanning partner program reports keys found in public: the function checks GitHub's signature.
  { method: 'POST', path: '/secret-scanning/github', auth: 'none', function: 'secretScanning' },
  // This API's OpenAPI 3.1 document (lambdas/openapi/), generated from the schemas the handlers validate and answer with.
  { method: 'GET', path: '/openapi.json', auth: 'none', function: 'openapi' },
];

/**
 * The CORS rules for the operator's own web apps (CORS_ALLOW_ORIGINS), deployed
 * (the HTTP API's corsPreflight) and local alike. API Gateway answers the
 * preflight itself and adds these headers to the integration's answer,
 * ignoring any CORS headers the function sends
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html).
 */
export interface CorsRules {
  readonly allowMethods: readonly ('GET' | 'POST' | 'PATCH' | 'DELETE')[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

export function corsRules(keyHeader: string): CorsRules {
  return {
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    // idempotency-key: the component makes creates and rotations safe to retry. A custom key header (x-api-key) must
    // be allowed too, or a browser's preflight refuses the key.
    allowHeaders: [...new Set(['authorization', 'content-type', 'idempotency-key', keyHeader])],
    // Not CORS-safelisted, so a page on another origin could not read them: when to retry a 429 or 503, and a replay.
    exposeHeaders: ['retry-after', 'idempotent-replayed'],
    maxAgeSeconds: 3600,
  };
}

/**
 * An Auth0 Event Stream's webhook destination: public at the gateway, the
 * function checks the stream's token (lambdas/handlers/auth0-webhook.ts).
 * Served only when asked for: AUTH0_EVENTS_WEBHOOK deployed, AUTH0_WEBHOOK_TOKEN under `npm start`.
 */
export const AUTH0_WEBHOOK_ROUTE: RouteDefinition = { method: 'POST', path: '/auth0/events', auth: 'none', function: 'auth0Webhook' };

/**
 * ROUTES with the key-creation budget the operator chose: what the stage's
 * route settings and the local gateway's token buckets apply. The routes that
 * carry the default budget (and only those) get `throttle` instead.
 */
export function routesWithKeyCreationThrottle(throttle: RouteThrottle): readonly RouteDefinition[] {
  return ROUTES.map((route) => (route.throttle === KEY_CREATION_THROTTLE ? { ...route, throttle } : route));
}

/**
 * How long API Gateway caches the authorizer's verdict for one Authorization
 * header, deployed and local alike: the longest a revoked key keeps working.
 */
export const DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS = 60;

/**
 * The revocation delay an operator sets is shared between API Gateway's cache
 * and the authorizer's in-instance cache, which can stack (a gateway cache
 * node may refill from a warm instance): their sum never exceeds the setting.
 */
export function splitCacheTtl(totalSeconds: number): { gatewaySeconds: number; instanceSeconds: number } {
  const instanceSeconds = Math.floor(totalSeconds / 2);
  return { gatewaySeconds: totalSeconds - instanceSeconds, instanceSeconds };
}

/**
 * How long past its signing an identity assertion stays valid: a verdict (and
 * the assertion signed with it) lives in the authorizer's cache for its share,
 * then API Gateway may cache the returned context for its share, and the
 * request still has to reach the backend, whose clock may be a little ahead.
 */
export const ASSERTION_MARGIN_SECONDS = 60;
export function assertionLifetimeSeconds(totalCacheSeconds: number): number {
  const { gatewaySeconds, instanceSeconds } = splitCacheTtl(totalCacheSeconds);
  return gatewaySeconds + instanceSeconds + ASSERTION_MARGIN_SECONDS;
}

/** API Gateway caches an authorizer's verdict for at most 3600 s (the `authorizerCacheTtlSeconds` setting's limit). */
export const MAX_AUTHORIZER_CACHE_TTL_SECONDS = 3600;
/** The longest any assertion can be valid (the `assertionLifetimeSeconds` setting's limit): 3660 s. */
export const MAX_ASSERTION_LIFETIME_SECONDS = assertionLifetimeSeconds(MAX_AUTHORIZER_CACHE_TTL_SECONDS);
