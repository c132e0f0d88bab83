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

export type FunctionName = 'health' | 'whoami' | 'createKey' | 'listKeys' | 'getKey' | 'revokeKey';

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly auth: RouteAuth;
  readonly function: FunctionName;
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', auth: 'none', function: 'health' },
  { method: 'GET', path: '/whoami', auth: 'apiKey', function: 'whoami' },
  { method: 'POST', path: '/keys', auth: 'accessToken', function: 'createKey' },
  { method: 'GET', path: '/keys', auth: 'accessToken', function: 'listKeys' },
  { method: 'GET', path: '/keys/{id}', auth: 'accessToken', function: 'getKey' },
  { method: 'DELETE', path: '/keys/{id}', auth: 'accessToken', function: 'revokeKey' },
];

/**
 * How long API Gateway caches the authorizer's verdict for one Authorization
 * header, deployed and local alike: the longest a revoked key keeps working.
 */
export const DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS = 60;
