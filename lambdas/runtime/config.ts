import type { KeyPolicy } from '../domain/key-policy';
import { allowedKeyScopes, type RouteScopes } from '../domain/route-scopes';
import { ConfigError } from '../settings/config-error';
import { auth0Host } from '../settings/kinds';
import { environmentReader, loadSettings } from '../settings/load';
import { SETTINGS, type SettingsFor } from '../settings/schema';

export { ConfigError };

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

export const DEFAULT_KEY_PREFIX = SETTINGS.keyPrefix.default;

/** What the key settings are read into; the authorizer, the management functions and `npm start` all read them. */
export const KEY_SETTING_NAMES = [
  'tableName',
  'keyPrefix',
  'maxKeysPerUser',
  'maxKeyLifetimeDays',
  'defaultKeyLifetimeDays',
  'routeScopes',
  'allowedKeyScopes',
  'auditRetentionDays',
] as const;
export const AUTH_SETTING_NAMES = ['auth0Domain', 'auth0Audience', 'requiredScope', 'allowMachineTokens'] as const;

type KeySettings = Pick<SettingsFor<'authorizer'>, (typeof KEY_SETTING_NAMES)[number]>;
type AuthSettings = Pick<SettingsFor<'local'>, (typeof AUTH_SETTING_NAMES)[number]>;

export function keyConfigFrom(settings: KeySettings): KeyConfig {
  return {
    tableName: settings.tableName,
    keyPrefix: settings.keyPrefix,
    policy: {
      maxKeysPerUser: settings.maxKeysPerUser,
      defaultLifetimeDays: settings.defaultKeyLifetimeDays,
      maxLifetimeDays: settings.maxKeyLifetimeDays,
      allowedScopes: allowedKeyScopes(settings.routeScopes, settings.allowedKeyScopes),
      auditRetentionDays: settings.auditRetentionDays,
    },
    routeScopes: settings.routeScopes,
  };
}

/** `example.eu.auth0.com` (with or without `https://` and a trailing slash) → `https://example.eu.auth0.com/` */
export const auth0Issuer = (domain: string): string => `https://${auth0Host(domain)}/`;

/** The Auth0 settings; both the domain and the audience are required here (the loader allows neither unset only for `npm start`'s own IdP). */
export function authConfigFrom(settings: AuthSettings): AuthConfig {
  if (settings.auth0Domain === undefined) throw new ConfigError('AUTH0_DOMAIN', { missing: true });
  if (settings.auth0Audience === undefined) throw new ConfigError('AUTH0_AUDIENCE', { missing: true });
  return {
    issuer: auth0Issuer(settings.auth0Domain),
    audience: settings.auth0Audience,
    allowMachineTokens: settings.allowMachineTokens,
    // Absent rather than undefined: the verifier's options and the tests tell the two apart.
    ...(settings.requiredScope !== undefined ? { requiredScope: settings.requiredScope } : {}),
  };
}

/** The key settings from the environment, as the authorizer reads them (`local`: with `npm start`'s defaults). */
export function loadKeyConfig(env: Env, component: 'authorizer' | 'local' = 'authorizer'): KeyConfig {
  return keyConfigFrom(loadSettings(component, environmentReader(env), KEY_SETTING_NAMES));
}

export function loadAuthConfig(env: Env): AuthConfig {
  return authConfigFrom(loadSettings('management', environmentReader(env), AUTH_SETTING_NAMES));
}
