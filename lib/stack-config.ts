import { loadSettings, type SettingReader } from '../lambdas/settings/load';
import type { SettingsFor } from '../lambdas/settings/schema';

/**
 * Reads a setting: CDK context `camelName` first, then the environment variable.
 * Context from cdk.json may be JSON (a number, a list, an object): it is held to
 * the same rule as a construct prop; `-c name=value` and the environment give text.
 */
export type SettingSource = (contextName: string, envName: string | undefined) => unknown;

/** The stack's settings (README "Settings"), checked at synth; errors name the context key and say how to set it. */
export function loadStackConfig(read: SettingSource): SettingsFor<'stack'> {
  const reader: SettingReader = {
    read: (name, spec) => read(name, spec.env),
    label: (name) => name,
    missingHint: (name, spec) =>
      `Set ${name}: cdk deploy -c ${name}=...${spec.env !== undefined ? ` (or the environment variable ${spec.env})` : ''}`,
  };
  return loadSettings('stack', reader);
}
