import { ROUTES } from '../api-definition';
import type { RouteScopes } from './route-scopes';

/**
 * What to do on an API-key route that `ROUTE_SCOPES` names no scope for:
 * `allow` any valid key (the default while no route has a scope), or `deny`
 * every key (the default once some route has one, so a route left out of the
 * map fails closed rather than open).
 */
export type UnscopedRoutes = 'allow' | 'deny';

export const defaultUnscopedRoutes = (routeScopes: RouteScopes): UnscopedRoutes => (routeScopes.size > 0 ? 'deny' : 'allow');

/** `GET /keys/{id}` and `GET /keys/{keyId}` are the same route to API Gateway; `{proxy+}` is another. */
const routeShape = (routeKey: string): string => routeKey.replace(/\{[^}+]+\}/g, '{}');

/** The API-key routes of this project's own surface, when no backend replaces the sample route (npm start). */
export const SAMPLE_API_KEY_ROUTES: readonly string[] = ROUTES.filter((route) => route.auth === 'apiKey').map(
  (route) => `${route.method} ${route.path}`,
);

/**
 * Why a route key in `ROUTE_SCOPES` would never have its scope checked
 * because it names one of our own routes that API keys do not guard: key
 * management (Auth0 tokens), the public health check, or the sample route
 * when a backend replaces it. Known before any route exists (construct props).
 */
export function ownRouteProblem(routeKey: string, options: { readonly sampleReplaced: boolean }): string | undefined {
  const ours = ROUTES.find((candidate) => routeShape(`${candidate.method} ${candidate.path}`) === routeShape(routeKey));
  if (ours?.auth === 'accessToken') return `"${routeKey}" is a key-management route, authorized by Auth0 access tokens, not API keys`;
  if (ours?.auth === 'none') return `"${routeKey}" is a public route, authorized by nothing`;
  if (ours !== undefined && options.sampleReplaced) {
    return `"${routeKey}" is the sample route, which a backend replaces (its requests reach ANY /{proxy+})`;
  }
  return undefined;
}

/** Why a route key names no route behind the API-key authorizer (a typo such as `GET /whoami/`), given those routes. */
export function unknownRouteProblem(routeKey: string, apiKeyRouteKeys: readonly string[]): string | undefined {
  if (apiKeyRouteKeys.includes(routeKey)) return undefined;
  const known = apiKeyRouteKeys.length > 0 ? `those are ${[...apiKeyRouteKeys].sort().join(', ')}` : 'there are none';
  return `"${routeKey}" names no route behind the API-key authorizer (${known})`;
}

export const NEVER_CHECKED = 'a scope there would never be checked';

/**
 * The first route key of `ROUTE_SCOPES` whose scope would never be checked,
 * with why; undefined when every one is. The stack (at synth, over the routes
 * it built), the deployed authorizer (over the routes the stack told it) and
 * `npm start` (over its own routes) all ask this, so none of them runs with a
 * scope that silently does nothing.
 */
export function uncheckedRouteScope(
  routeScopes: RouteScopes,
  apiKeyRouteKeys: readonly string[],
  options: { readonly sampleReplaced: boolean },
): string | undefined {
  for (const routeKey of routeScopes.keys()) {
    const why = ownRouteProblem(routeKey, options) ?? unknownRouteProblem(routeKey, apiKeyRouteKeys);
    if (why !== undefined) return `${why}: ${NEVER_CHECKED}`;
  }
  return undefined;
}
