import { ConfigError } from './config-error';
import type { Parsed, Settled } from './kinds';
import { settingNames, specOf, type SettingSpec, type Component, type SettingName, type SettingsFor } from './schema';

type Env = Readonly<Record<string, string | undefined>>;

/** Where a component's settings come from, and what it calls them in its errors. */
export interface SettingReader {
  /**
   * The setting's raw value: text (an environment variable, `-c name=value`),
   * or a value cdk.json holds as JSON (a number, a list, an object), checked
   * like a construct prop; undefined, null or blank text when unset.
   */
  readonly read: (name: SettingName, spec: SettingSpec) => unknown;
  /** The setting's name in this reader's terms (`MAX_KEYS_PER_USER`, `maxKeysPerUser`). */
  readonly label: (name: SettingName, spec: SettingSpec) => string;
  /** What to say when a required setting is unset, if more than "X must be set". */
  readonly missingHint?: (name: SettingName, spec: SettingSpec) => string;
}

/** Lambda and `npm start`: environment variables. */
export function environmentReader(env: Env): SettingReader {
  return {
    read: (_name, spec) => (spec.env === undefined ? undefined : env[spec.env]),
    label: (name, spec) => spec.env ?? name,
  };
}

const usedBy = (spec: SettingSpec, component: Component): boolean => spec.usedBy.includes(component);

function defaultFor(spec: SettingSpec, component: Component, settled: Settled): { found: boolean; value?: unknown } {
  if (component === 'local' && spec.localDefault !== undefined) return { found: true, value: spec.localDefault };
  if (spec.default !== undefined) {
    return { found: true, value: typeof spec.default === 'function' ? (spec.default as (s: Settled) => unknown)(settled) : spec.default };
  }
  const optional = spec.optional === true || (spec.optionalIn ?? []).includes(component);
  return { found: optional };
}

/**
 * Reads, checks and types every setting `component` uses, in the schema's
 * order (so a rule may depend on a setting above it); the first bad or
 * missing one fails, naming it and its rule.
 */
export function loadSettings<C extends Component>(component: C, reader: SettingReader): SettingsFor<C> {
  return settle(
    component,
    reader.label,
    (name, spec, settled) => {
      const raw = reader.read(name, spec);
      if (raw === undefined || raw === null) return undefined;
      if (typeof raw !== 'string') return spec.kind.check(raw, settled);
      const text = raw.trim();
      if (text === '' && spec.blankIsNone !== true) return undefined;
      return spec.kind.fromText(text, settled);
    },
    reader.missingHint,
  );
}

/**
 * The same rules for values given in code (the construct's props): each
 * given value is checked, each missing one defaulted or required.
 */
export function resolveSettings<C extends Component>(component: C, given: Readonly<Record<string, unknown>>): SettingsFor<C> {
  return settle(
    component,
    (name) => name,
    (name, spec, settled) => (given[name] === undefined ? undefined : spec.kind.check(given[name], settled)),
  );
}

function settle<C extends Component>(
  component: C,
  label: (name: SettingName, spec: SettingSpec) => string,
  parse: (name: SettingName, spec: SettingSpec, settled: Settled) => Parsed<unknown> | undefined,
  missingHint?: (name: SettingName, spec: SettingSpec) => string,
): SettingsFor<C> {
  const settled: Record<string, unknown> = {};
  for (const name of settingNames) {
    const spec = specOf(name);
    if (!usedBy(spec, component)) continue;
    const parsed = parse(name, spec, settled);
    if (parsed !== undefined) {
      if (!parsed.ok) throw new ConfigError(label(name, spec), parsed.problem);
      settled[name] = parsed.value;
      continue;
    }
    const fallback = defaultFor(spec, component, settled);
    if (!fallback.found) throw new ConfigError(label(name, spec), { missing: true, hint: missingHint?.(name, spec) });
    if (fallback.value !== undefined) settled[name] = fallback.value;
  }
  return settled as SettingsFor<C>;
}
