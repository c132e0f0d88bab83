import type { KeyPolicy } from '../lambdas/domain/key-policy';
import { NEVER_CHECKED, ownRouteProblem } from '../lambdas/domain/route-scope-check';
import { keyPolicyFrom } from '../lambdas/runtime/config';
import { ConfigError } from '../lambdas/settings/config-error';
import { resolveSettings } from '../lambdas/settings/load';
import { SETTINGS, type RequiredSettingName, type SettingsFor } from '../lambdas/settings/schema';
import { EDGE_SETTING_NAMES, type EdgeSettingName } from '../lambdas/settings/sections/edge';

/**
 * What the stack reads at synth, typed from the settings schema; `stackName` names the stack, not the construct,
 * and the edge settings are the stack's too (the web ACL must live in us-east-1: lib/edge-config.ts).
 */
type ConstructSettings = Omit<SettingsFor<'stack'>, 'stackName' | EdgeSettingName>;
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
  // The construct never builds the edge: `edge: false` (what loadStackConfig gives when it is off) is all it takes.
  const given = props as Readonly<Record<string, unknown>>;
  const edgeOnes = (EDGE_SETTING_NAMES as string[]).filter(
    (name) => given[name] !== undefined && !(name === 'edge' && given[name] === false),
  );
  if (edgeOnes.length > 0) {
    throw new ConfigError(edgeOnes.join(', '), {
      detail: 'a setting of the stack (UserApiKeysStack\'s edge prop, README "Edge"), not of the construct',
    });
  }
  const { stackName: _notHere, ...settings } = resolveSettings('stack', props);
  if (settings.backendUrl !== undefined && settings.backendFunctionArn !== undefined) {
    throw new ConfigError('backendUrl', { detail: 'set backendUrl or backendFunctionArn, not both' });
  }
  if (settings.alarmEmail !== undefined && settings.alarmTopicArn !== undefined) {
    // Subscribing the address to a topic this stack does not own would need that topic's policy; say which one to use.
    throw new ConfigError('alarmEmail', { detail: 'set alarmEmail (a new topic) or alarmTopicArn (your topic), not both' });
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
  for (const routeKey of settings.routeScopes.keys()) {
    const why = ownRouteProblem(routeKey, { sampleReplaced: backend.kind !== 'sample' });
    if (why !== undefined) throw new ConfigError('routeScopes', { detail: `${why}: ${NEVER_CHECKED}` });
  }
  return {
    ...settings,
    backend,
    keyPolicy: keyPolicyFrom(settings),
  };
}
