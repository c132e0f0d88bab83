import { isValidKeyPrefix } from '../domain/key-format';
import { DEFAULT_KEY_POLICY, type KeyPolicy } from '../domain/key-policy';
import { allowedKeyScopes, parseRouteScopes, parseScopeList, ScopeSettingError, type RouteScopes } from '../domain/route-scopes';

/** A setting is missing or wrong: raised at start-up, naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export interface KeyConfig {
  readonly tableName: string;
  readonly keyPrefix: string;
  readonly policy: KeyPolicy;
  /** The scope each API-key route requires (ROUTE_SCOPES). */
  readonly routeScopes: RouteScopes;
}

export interface AuthConfig {
  /** `https://<AUTH0_DOMAIN>/` */
  readonly issuer: string;
  readonly audience: string;
  readonly requiredScope?: string;
  readonly allowMachineTokens: boolean;
}

export const DEFAULT_KEY_PREFIX = 'uak';

function readString(env: Env, name: string, fallback?: string): string {
  const value = env[name]?.trim();
  if (value !== undefined && value !== '') {
    return value;
  }
  if (fallback === undefined) {
    throw new ConfigError(`${name} must be set`);
  }
  return fallback;
}

export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadKeyConfig(env: Env, defaults: { tableName?: string; routeScopes?: string } = {}): KeyConfig {
  const tableName = readString(env, 'TABLE_NAME', defaults.tableName);
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new ConfigError(`TABLE_NAME must be 3-255 letters, digits, "_", "-" or ".", got "${tableName}"`);
  }
  const keyPrefix = readString(env, 'KEY_PREFIX', DEFAULT_KEY_PREFIX);
  if (!isValidKeyPrefix(keyPrefix)) {
    throw new ConfigError(`KEY_PREFIX must be 2-10 lowercase letters or digits, got "${keyPrefix}"`);
  }
  const maxLifetimeDays = readInteger(env, 'MAX_KEY_LIFETIME_DAYS', DEFAULT_KEY_POLICY.maxLifetimeDays, 1, 3650);
  const defaultLifetimeDays = readInteger(
    env,
    'DEFAULT_KEY_LIFETIME_DAYS',
    Math.min(DEFAULT_KEY_POLICY.defaultLifetimeDays, maxLifetimeDays),
    1,
    maxLifetimeDays,
  );
  const routeScopes = readScopeSetting({ ROUTE_SCOPES: defaults.routeScopes, ...definedOnly(env) }, 'ROUTE_SCOPES', parseRouteScopes);
  return {
    tableName,
    keyPrefix,
    policy: {
      maxKeysPerUser: readInteger(env, 'MAX_KEYS_PER_USER', DEFAULT_KEY_POLICY.maxKeysPerUser, 1, 1000),
      defaultLifetimeDays,
      maxLifetimeDays,
      allowedScopes: allowedKeyScopes(routeScopes, readScopeSetting(env, 'ALLOWED_KEY_SCOPES', parseScopeList)),
      auditRetentionDays: readInteger(env, 'AUDIT_RETENTION_DAYS', DEFAULT_KEY_POLICY.auditRetentionDays, 1, 3650),
    },
    routeScopes,
  };
}

const definedOnly = (env: Env): Env => Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));

function readScopeSetting<T>(env: Env, name: string, parse: (text: string | undefined) => T): T {
  try {
    return parse(env[name]);
  } catch (error) {
    if (error instanceof ScopeSettingError) throw new ConfigError(`${name}: ${error.message}`);
    throw error;
  }
}

/** Accepts `example.eu.auth0.com`, with or without `https://` and a trailing slash. */
export function auth0Issuer(domain: string): string {
  const host = domain.replace(/^https:\/\//, '').replace(/\/$/, '');
  const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  if (!new RegExp(`^${label}(?:\\.${label})+(?::\\d{1,5})?$`).test(host)) {
    throw new ConfigError(`AUTH0_DOMAIN must be a host name such as example.eu.auth0.com, got "${domain}"`);
  }
  return `https://${host}/`;
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

export function loadAuthConfig(env: Env): AuthConfig {
  const requiredScope = env.REQUIRED_SCOPE?.trim();
  return {
    allowMachineTokens: readBoolean(env, 'ALLOW_MACHINE_TOKENS', false),
    issuer: auth0Issuer(readString(env, 'AUTH0_DOMAIN')),
    audience: readString(env, 'AUTH0_AUDIENCE'),
    ...(requiredScope ? { requiredScope } : {}),
  };
}
