import { loadSettings, type SettingReader } from '../lambdas/settings/load';
import type { SettingsFor } from '../lambdas/settings/schema';

/**
 * Reads a setting: CDK context `camelName` first, then the environment variable.
 * Structured context (an object or a list in cdk.json) arrives as text: see lib/app.ts.
 */
export type SettingSource = (contextName: string, envName: string | undefined) => string | undefined;

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
