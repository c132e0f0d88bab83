import { ERROR_STATUS, INTERNAL_ERROR, type ErrorCode } from '../lambdas/http/error-status';
import { settingNames, specOf, type Component, type SettingName, type SettingSpec } from '../lambdas/settings/schema';

/**
 * The README's tables that code already says: the settings (from the
 * settings schema) and the error codes (from the HTTP status table). They sit
 * between `<!-- generated:NAME:start -->` and `<!-- generated:NAME:end -->`;
 * `npm run docs` rewrites them and a unit test fails while the README is stale.
 */

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (text: string): string => `\`${text}\``;

function shownDefault(spec: SettingSpec, component?: Component): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  const value = component === 'local' && spec.localDefault !== undefined ? spec.localDefault : spec.default;
  if (typeof value === 'function') return 'derived';
  if (value === undefined) return spec.optional === true || (spec.optionalIn ?? []).length > 0 ? 'unset' : 'required';
  const shown = spec.kind.show(value);
  return shown.startsWith('`') || shown === 'none' ? shown : code(shown);
}

const entries = (): [SettingName, SettingSpec][] => settingNames.map((name) => [name, specOf(name)]);

/** What `cdk deploy` reads: context key, environment variable, default, meaning. */
export function stackSettingsTable(): string {
  const rows = entries()
    .filter(([, spec]) => spec.usedBy.includes('stack'))
    .map(
      ([name, spec]) =>
        `| ${code(name)} | ${spec.env !== undefined ? code(spec.env) : '-'} | ${cell(shownDefault(spec))} | ${cell(spec.kind.rule)} | ${cell(spec.meaning)} |`,
    );
  return ['| context | env | default | rule | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

const COMPONENT_NAMES: Record<Exclude<Component, 'stack'>, string> = {
  authorizer: 'authorizer',
  management: 'management',
  local: '`npm start`',
  assertion: 'JWKS, key rotation, `/whoami`',
  token: '`POST /oauth/token`',
  console: '`/console`',
  events: 'lifecycle events, expiry notices',
  openapi: '`/openapi.json`',
};

/** What the functions and `npm start` read from their environment. */
export function environmentTable(): string {
  const rows = entries()
    .filter(([, spec]) => spec.env !== undefined && spec.usedBy.some((component) => component !== 'stack'))
    .map(([, spec]) => {
      const users = spec.usedBy.filter((component) => component !== 'stack').map((component) => COMPONENT_NAMES[component]);
      const local =
        spec.localDefault !== undefined && spec.shownDefault === undefined ? `; ${shownDefault(spec, 'local')} under \`npm start\`` : '';
      return `| ${code(spec.env ?? '')} | ${cell(shownDefault(spec) + local)} | ${cell(spec.kind.rule)} | ${users.join(', ')} | ${cell(spec.meaning)} |`;
    });
  return ['| variable | default | rule | read by | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Every error code the functions answer with, its one status and what it means. */
export function errorCodeTable(): string {
  const rows = (Object.entries(ERROR_STATUS) as [ErrorCode, (typeof ERROR_STATUS)[ErrorCode]][]).map(
    ([name, { status, headers, meaning }]) =>
      `| ${code(name)} | ${status}${
        Object.keys(headers).length > 0
          ? ` (${Object.entries(headers)
              .map(([h, v]) => code(`${h}: ${v}`))
              .join(', ')})`
          : ''
      } | ${cell(meaning)} |`,
  );
  rows.push(`| ${code(INTERNAL_ERROR.code)} | ${INTERNAL_ERROR.status} | a fault of ours, answered without detail |`);
  return ['| code | status | meaning |', '|---|---|---|', ...rows].join('\n');
}

export const GENERATED_SECTIONS: Readonly<Record<string, () => string>> = {
  'stack-settings': stackSettingsTable,
  'environment-settings': environmentTable,
  'error-codes': errorCodeTable,
};

/** The README with every generated section replaced; throws when a marker pair is missing. */
export function withGeneratedSections(readme: string): string {
  let text = readme;
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    const start = `<!-- generated:${name}:start -->`;
    const end = `<!-- generated:${name}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
    text = `${text.slice(0, from + start.length)}\n${render()}\n${text.slice(to)}`;
  }
  return text;
}
