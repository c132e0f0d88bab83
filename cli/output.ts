import { createColors } from 'picocolors';
import type { Auth0UserStatus } from '../client/types';
import type { AuditEventView, CreatedKey, KeyView, RotatedKey } from './api-client';
import { BRAND } from './brand';
import { printable } from './terminal-text';

// The renderers below take values already passed through terminalSafe; they filter
// the fields a client chose (user agents, event details) once more, as they always have.
export { printable };

export type Colors = ReturnType<typeof createColors>;

/** Colours only for a terminal, and never when NO_COLOR is set. */
export function colorsFor(stream: { isTTY?: boolean | undefined }, env: Readonly<Record<string, string | undefined>>): Colors {
  return createColors(Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb');
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['week', 604_800],
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "in 3 months", "2 days ago", "now". */
export function relativeTime(iso: string, now: Date): string {
  const seconds = (Date.parse(iso) - now.getTime()) / 1000;
  if (Number.isNaN(seconds)) return printable(iso); // not a time: shown as given (Intl would throw)
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return iso;
}

function statusText(status: KeyView['status'], colors: Colors): string {
  switch (status) {
    case 'active':
      return colors.green(status);
    case 'revoked':
      return colors.red(status);
    case 'rotated':
      return colors.dim(status);
    default:
      return colors.yellow(status);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Labelled lines, the labels dimmed and padded to one column (10 wide, as ever, unless a label needs more). */
function details(rows: readonly (readonly [string, string])[], colors: Colors): string {
  const longest = Math.max(...rows.map(([label]) => label.length));
  const width = longest < 10 ? 10 : longest + 2;
  return rows.map(([label, value]) => `${colors.dim(label.padEnd(width))}${value}`).join('\n');
}

const when = (iso: string, now: Date) => `${iso} (${relativeTime(iso, now)})`;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ANSI, '').length;

/** Columns padded to their widest cell (colour codes not counted). */
export function table(header: string[], rows: string[][], colors: Colors): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => visibleLength(row[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [colors.bold(line(header)), ...rows.map(line)].join('\n');
}

/** A table of keys: the caller's own, or (`owner`, already printable) another user's, for support staff. */
export function keyTable(keys: readonly KeyView[], now: Date, colors: Colors, statuses?: readonly string[], owner?: string): string {
  if (keys.length === 0) {
    const filtered = statuses !== undefined && statuses.length > 0;
    if (owner !== undefined) return filtered ? `${owner} has no keys with status ${statuses.join(' or ')}.` : `${owner} has no keys.`;
    return filtered ? `No keys with status ${statuses.join(' or ')}.` : `No keys yet: create one with ${BRAND.command} create --name NAME`;
  }
  return table(
    ['ID', 'NAME', 'STATUS', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED'],
    keys.map((key) => [
      key.id,
      key.name,
      // Imported keys are marked: their owners should rotate them to native keys.
      key.origin !== undefined ? `${statusText(key.status, colors)} ${colors.dim(`(${key.origin})`)}` : statusText(key.status, colors),
      key.scopes.join(',') || '-',
      relativeTime(key.createdAt, now),
      relativeTime(key.expiresAt, now),
      key.lastUsedAt !== undefined ? relativeTime(key.lastUsedAt, now) : '-',
    ]),
    colors,
  );
}

/**
 * What Auth0 has reported about a user, for support staff, as a line above their keys: blocked, deleted (when);
 * nothing when neither.
 */
export function auth0StatusLine(owner: string, auth0: Auth0UserStatus | undefined, now: Date): string | undefined {
  const facts = [
    ...(auth0?.blocked === true ? ['blocked'] : []),
    ...(auth0?.deletedAt !== undefined ? [`deleted ${relativeTime(auth0.deletedAt, now)}`] : []),
  ];
  return facts.length === 0 ? undefined : `Auth0 reports ${owner} ${facts.join(', ')}.`;
}

/** How an import's source is named in words. */
const ORIGIN_NAMES: Record<NonNullable<KeyView['origin']>, string> = { stormpath: 'Stormpath' };

export function keyDetails(key: KeyView, now: Date, colors: Colors): string {
  const rows: [string, string][] = [
    ['id', key.id],
    ['name', key.name],
    ['status', statusText(key.status, colors)],
    ['scopes', key.scopes.join(', ') || '-'],
    ['created', when(key.createdAt, now)],
    ['expires', when(key.expiresAt, now)],
    ['last used', key.lastUsedAt !== undefined ? when(key.lastUsedAt, now) : 'never'],
  ];
  if (key.origin !== undefined) rows.push(['origin', `imported from ${ORIGIN_NAMES[key.origin]}: rotate it to get a native key`]);
  if (key.disabledAt !== undefined) rows.push(['disabled', when(key.disabledAt, now)]);
  if (key.rotatedAt !== undefined) rows.push(['rotated', when(key.rotatedAt, now)]);
  if (key.replacedBy !== undefined) rows.push(['replaced by', key.replacedBy]);
  if (key.rotatedFrom !== undefined) rows.push(['rotated from', key.rotatedFrom]);
  if (key.revokedAt !== undefined) rows.push(['revoked', when(key.revokedAt, now)]);
  // The server keeps the URL as GitHub sent it (control characters already stripped); printed as text all the same.
  if (key.revocation?.cause === 'leaked') {
    rows.push(['cause', colors.red(`found in public (${printable(key.revocation.source)}) and revoked automatically`)]);
    if (key.revocation.url !== '') rows.push(['found at', printable(key.revocation.url)]);
  }
  return details(rows, colors);
}

const SHOWN_ONCE = 'This key is shown once. Store it now; it cannot be shown again.';

/** What a terminal shows of a new key, made by `create` or `rotate`. */
function createdKeyRows(key: CreatedKey, now: Date): [string, string][] {
  return [
    ['id', key.id],
    ['name', key.name],
    ['scopes', key.scopes.join(', ') || '-'],
    ['expires', `${key.expiresAt} (${relativeTime(key.expiresAt, now)})`],
  ];
}

/** For a terminal: everything about the new key, with the key itself last and a warning. */
export function createdKeyDetails(key: CreatedKey, now: Date, colors: Colors): string {
  return [details(createdKeyRows(key, now), colors), '', colors.yellow(SHOWN_ONCE), key.key].join('\n');
}

/** What became of the old key: it keeps working until its grace period ends, or (no grace period) stopped at once. */
export function replacedKeyNote(key: RotatedKey, now: Date): string {
  return Date.parse(key.replaced.expiresAt) > Date.parse(key.createdAt)
    ? `The old key ${key.replaced.id} keeps working until ${key.replaced.expiresAt} (${relativeTime(key.replaced.expiresAt, now)}).`
    : `The old key ${key.replaced.id} no longer works.`;
}

/** For a terminal: the new key as `create` shows it, and what became of the old one. */
export function rotatedKeyDetails(key: RotatedKey, now: Date, colors: Colors): string {
  return [
    details([...createdKeyRows(key, now), ['rotated from', key.rotatedFrom]], colors),
    '',
    replacedKeyNote(key, now),
    colors.yellow(SHOWN_ONCE),
    key.key,
  ].join('\n');
}

const DETAIL_TEXT: Record<string, (value: string) => string> = {
  replacedBy: (value) => `replaced by ${value}`,
  graceEndsAt: (value) => `old key works until ${value}`,
  rotatedFrom: (value) => `rotated from ${value}`,
  tenant: (value) => `Stormpath tenant ${value}`,
  url: (value) => `found at ${value}`,
  source: (value) => `in ${value}`,
  account: (value) => `account ${value}`,
};

/** An event's details in words: a rename's names, a rotation's keys. */
export function eventDetails(event: AuditEventView): string {
  const entries = Object.entries(event.details ?? {});
  if (event.type === 'rename' && event.details?.from !== undefined && event.details.to !== undefined) {
    return printable(`"${event.details.from}" → "${event.details.to}"`);
  }
  return printable(entries.map(([name, value]) => DETAIL_TEXT[name]?.(value) ?? `${name}=${value}`).join(', '));
}

/** A key's history as the server gives it (newest first). */
export function eventTable(events: readonly AuditEventView[], now: Date, colors: Colors): string {
  if (events.length === 0) return 'No events recorded for this key.';
  return table(
    ['WHEN', 'TYPE', 'ACTOR', 'SOURCE IP', 'USER AGENT', 'DETAILS'],
    events.map((event) => [
      relativeTime(event.at, now),
      event.type,
      printable(event.actor),
      printable(event.sourceIp) || '-',
      truncate(printable(event.userAgent), 40) || '-',
      eventDetails(event) || '-',
    ]),
    colors,
  );
}
