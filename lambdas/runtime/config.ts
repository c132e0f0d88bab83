import { DEFAULT_KEY_POLICY, type KeyPolicy } from '../domain/key-policy';
import type { UnscopedRoutes } from '../domain/route-scope-check';
import { allowedKeyScopes, type RouteScopes } from '../domain/route-scopes';
import { ConfigError } from '../settings/config-error';
import { auth0Host } from '../settings/kinds';
import { SETTINGS, type SettingsFor } from '../settings/schema';
import type { AssertionSettingName } from '../settings/sections/assertion';
import type { OWNER_SETTINGS } from '../settings/sections/owners';

type OwnerSettingName = Extract<
  keyof typeof OWNER_SETTINGS,
  'keyScopesFromToken' | 'revokedRetentionDays' | 'ownerKeyCreationRate' | 'ownerKeyCreationBurst'
>;
/** The owner rules: the management functions, the stack and `npm start` read them; the authorizer does not, and the defaults stand there. */
type OwnerSettings = Partial<Pick<SettingsFor<'management'>, OwnerSettingName>>;

export { ConfigError };

export interface KeyConfig {
  readonly tableName: string;
  readonly keyPrefix: string;
  readonly policy: KeyPolicy;
  /** The scope each API-key route requires (ROUTE_SCOPES). */
  readonly routeScopes: RouteScopes;
  /** What a route without one does (UNSCOPED_ROUTES); absent: the default for `routeScopes`. */
  readonly unscopedRoutes?: UnscopedRoutes | undefined;
}

export interface AuthConfig {
  /** `https://<AUTH0_DOMAIN>/` */
  readonly issuer: string;
  readonly audience: string;
  readonly requiredScope?: string;
  readonly allowMachineTokens: boolean;
  /** ADMIN_SCOPE: what support staff's tokens carry for `/admin/...`; unset, those routes refuse everyone. */
  readonly adminScope?: string;
}

export const DEFAULT_KEY_PREFIX = SETTINGS.keyPrefix.default;

/** The key settings: what the authorizer reads, but its own cache share (the management functions and `npm start` read them too). */
type KeySettings = Omit<SettingsFor<'authorizer'>, 'verdictCacheTtlSeconds' | 'apiKeyRoutes' | AssertionSettingName>;
/** The Auth0 settings: what the management functions read beyond the key settings (optional under `npm start`). */
type AuthSettings = Pick<
  SettingsFor<'local'>,
  Exclude<keyof SettingsFor<'management'>, keyof SettingsFor<'authorizer'> | 'tableUpgradeStep' | 'auth0WebhookSecretArn'>
>;

export function keyConfigFrom(settings: KeySettings & OwnerSettings): KeyConfig {
  return {
    tableName: settings.tableName,
    keyPrefix: settings.keyPrefix,
    policy: keyPolicyFrom(settings),
    routeScopes: settings.routeScopes,
    unscopedRoutes: settings.unscopedRoutes,
  };
}

type PolicySettings = Pick<
  KeySettings,
  'maxKeysPerUser' | 'defaultKeyLifetimeDays' | 'maxKeyLifetimeDays' | 'routeScopes' | 'allowedKeyScopes' | 'auditRetentionDays'
> &
  OwnerSettings;

/** The operator's rules for keys, from the settings (the stack's and the functions' alike). */
export function keyPolicyFrom(settings: PolicySettings): KeyPolicy {
  return {
    maxKeysPerUser: settings.maxKeysPerUser,
    defaultLifetimeDays: settings.defaultKeyLifetimeDays,
    maxLifetimeDays: settings.maxKeyLifetimeDays,
    allowedScopes: allowedKeyScopes(settings.routeScopes, settings.allowedKeyScopes),
    auditRetentionDays: settings.auditRetentionDays,
    keyScopesFromToken: settings.keyScopesFromToken ?? DEFAULT_KEY_POLICY.keyScopesFromToken,
    revokedRetentionDays: settings.revokedRetentionDays ?? DEFAULT_KEY_POLICY.revokedRetentionDays,
    ownerBudget: {
      perMinute: settings.ownerKeyCreationRate ?? DEFAULT_KEY_POLICY.ownerBudget.perMinute,
      burst: settings.ownerKeyCreationBurst ?? DEFAULT_KEY_POLICY.ownerBudget.burst,
    },
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
    ...(settings.adminScope !== undefined ? { adminScope: settings.adminScope } : {}),
  };
}
