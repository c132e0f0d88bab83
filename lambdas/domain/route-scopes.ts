import { SCOPE_MAX_LENGTH, SCOPE_PATTERN } from './key-policy';

const isScope = (value: string): boolean => value.length <= SCOPE_MAX_LENGTH && SCOPE_PATTERN.test(value);

/**
 * The scope each API-key route requires, by API Gateway route key
 * (`GET /whoami`, `ANY /{proxy+}`, `$default`). The operator sets it once; the
 * CDK stack, the deployed authorizer and the local gateway all read this map.
 */
export type RouteScopes = ReadonlyMap<string, string>;

export const NO_ROUTE_SCOPES: RouteScopes = new Map();

/** An API Gateway route key: `GET /orders/{id}`, `ANY /{proxy+}`, `$default`. */
export const ROUTE_KEY_PATTERN = /^(?:(?:ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/[^\s]*|\$default)$/;

/** A setting's value was wrong; the caller names the setting. */
export class ScopeSettingError extends Error {
  override readonly name = 'ScopeSettingError';
}

/** Parses `{"GET /orders": "orders:read", ...}`; an empty value means no route needs a scope. */
export function parseRouteScopes(json: string | undefined): RouteScopes {
  if (json === undefined || json.trim() === '') return NO_ROUTE_SCOPES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ScopeSettingError('must be a JSON object such as {"GET /orders":"orders:read"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ScopeSettingError('must be a JSON object such as {"GET /orders":"orders:read"}');
  }
  const scopes = new Map<string, string>();
  for (const [routeKey, scope] of Object.entries(parsed)) {
    if (!ROUTE_KEY_PATTERN.test(routeKey)) {
      throw new ScopeSettingError(`"${routeKey}" is not a route key such as "GET /orders/{id}" or "ANY /{proxy+}"`);
    }
    if (typeof scope !== 'string' || !isScope(scope)) {
      throw new ScopeSettingError(`the scope for "${routeKey}" must be a scope such as "orders:read"`);
    }
    scopes.set(routeKey, scope);
  }
  return scopes;
}

/** Parses a comma-separated list of scopes. */
export function parseScopeList(text: string | undefined): string[] {
  const scopes = (text ?? '')
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
  for (const scope of scopes) {
    if (!isScope(scope)) {
      throw new ScopeSettingError(`"${scope}" is not a scope: letters, digits and : . _ - / *, at most 64 characters`);
    }
  }
  return [...new Set(scopes)];
}

/** The scopes a key may carry: those the routes require, and any the operator allows besides. */
export function allowedKeyScopes(routeScopes: RouteScopes, extra: readonly string[]): string[] {
  return [...new Set([...routeScopes.values(), ...extra])].sort();
}

/** The serialised form, for environment variables. */
export function routeScopesToJson(routeScopes: RouteScopes): string {
  return JSON.stringify(Object.fromEntries(routeScopes));
}
