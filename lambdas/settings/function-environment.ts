import { settingNames, specOf, type SettingsFor } from './schema';

export type FunctionComponent = 'authorizer' | 'management' | 'assertion' | 'token' | 'console' | 'events' | 'openapi';

/**
 * The environment a deployed function gets: one variable for each setting
 * its component reads (the schema says which), written so that the
 * function's own loader reads back the same values. A value that means
 * "none" (an empty list, an unset option) leaves its variable out.
 */
export function functionEnvironment<C extends FunctionComponent>(component: C, values: SettingsFor<C>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of settingNames) {
    const spec = specOf(name);
    if (spec.env === undefined || !spec.usedBy.includes(component)) continue;
    const value: unknown = (values as Readonly<Record<string, unknown>>)[name];
    if (value === undefined) continue;
    const text = spec.kind.toText(value);
    if (text !== undefined) environment[spec.env] = text;
  }
  return environment;
}
