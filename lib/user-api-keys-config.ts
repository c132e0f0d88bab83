import { ROUTES } from '../lambdas/api-definition';
import type { KeyPolicy } from '../lambdas/domain/key-policy';
import { allowedKeyScopes } from '../lambdas/domain/route-scopes';
import { ConfigError } from '../lambdas/settings/config-error';
import { resolveSettings } from '../lambdas/settings/load';
import { SETTINGS, type RequiredSettingName, type SettingsFor } from '../lambdas/settings/schema';

/** What the stack reads at synth, typed from the settings schema; `stackName` names the stack, not the construct. */
type ConstructSettings = Omit<SettingsFor<'stack'>, 'stackName'>;
type Required = RequiredSettingName<'stack'> & keyof ConstructSettings;

/**
 * The construct's props, L2 style: the two Auth0 settings are required, every
 * other one has the schema's default (README "Settings"). Each prop is the
 * CDK context key of the same name.
 */
export type UserApiKeysProps = { readonly [K in Required]: ConstructSettings[K] } & {
  readonly [K in Exclude<keyof ConstructSettings, Required>]?: ConstructSettings[K] | undefined;
};

/** The backend the API keys protect. */
export type Backend =
  | { readonly kind: 'sample' }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'function'; readonly functionArn: string };

/** The props with every default applied and checked, and what the construct derives from them. */
export type UserApiKeysConfig = ConstructSettings & {
  readonly keyPolicy: KeyPolicy;
  readonly backend: Backend;
};

/** Checks props with the schema's rules (naming each by its prop / context key) and the rules that tie settings together. */
export function resolveUserApiKeysConfig(props: UserApiKeysProps): UserApiKeysConfig {
  // TypeScript catches a misspelt prop in a literal; this catches it from JavaScript or a spread object.
  const unknown = Object.keys(props).filter((name) => !(name in SETTINGS) || name === 'stackName');
  if (unknown.length > 0) throw new ConfigError(unknown.join(', '), { detail: 'no such setting (see the README, "Settings")' });
  const { stackName: _notHere, ...settings } = resolveSettings('stack', props);
  if (settings.backendUrl !== undefined && settings.backendFunctionArn !== undefined) {
    throw new ConfigError('backendUrl', { detail: 'set backendUrl or backendFunctionArn, not both' });
  }
  if (settings.tableKmsKeyArn !== undefined && settings.tableEncryption !== 'customer-managed') {
    throw new ConfigError('tableKmsKeyArn', { detail: 'needs tableEncryption=customer-managed' });
  }
  const backend: Backend =
    settings.backendUrl !== undefined
      ? { kind: 'url', url: settings.backendUrl.replace(/\/$/, '') }
      : settings.backendFunctionArn !== undefined
        ? { kind: 'function', functionArn: settings.backendFunctionArn }
        : { kind: 'sample' };
  for (const routeKey of settings.routeScopes.keys()) refuseUncheckedRoute(routeKey, backend);
  return {
    ...settings,
    backend,
    keyPolicy: {
      maxKeysPerUser: settings.maxKeysPerUser,
      defaultLifetimeDays: settings.defaultKeyLifetimeDays,
      maxLifetimeDays: settings.maxKeyLifetimeDays,
      allowedScopes: allowedKeyScopes(settings.routeScopes, settings.allowedKeyScopes),
      auditRetentionDays: settings.auditRetentionDays,
    },
  };
}

/** `GET /keys/{id}` and `GET /keys/{keyId}` are the same route to API Gateway; `{proxy+}` is another. */
const routeShape = (routeKey: string): string => routeKey.replace(/\{[^}+]+\}/g, '{}');

/**
 * A scope is only checked where the API-key authorizer decides: a route key
 * naming one of our other routes (key management behind Auth0 tokens, the
 * public health check, the sample route when a backend replaces it) would be
 * a setting that silently does nothing. Route keys that are not ours are left
 * to the construct, which refuses any that name no API-key route at synth.
 */
function refuseUncheckedRoute(routeKey: string, backend: Backend): void {
  const route = ROUTES.find((candidate) => routeShape(`${candidate.method} ${candidate.path}`) === routeShape(routeKey));
  if (route === undefined) return;
  const why =
    route.auth === 'accessToken'
      ? 'is a key-management route, authorized by Auth0 access tokens, not API keys'
      : route.auth === 'none'
        ? 'is a public route, authorized by nothing'
        : backend.kind !== 'sample'
          ? 'is the sample route, which a backend replaces (its requests reach ANY /{proxy+})'
          : undefined;
  if (why !== undefined) {
    throw new ConfigError('routeScopes', { detail: `"${routeKey}" ${why}: a scope there would never be checked` });
  }
}
