import { createColors } from 'picocolors';
import type { CreatedKey, KeyView } from './api-client';

export type Colors = ReturnType<typeof createColors>;

/** Colours only for a terminal, and never when NO_COLOR is set. */
export function colorsFor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): Colors {
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
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return iso;
}

function statusText(status: KeyView['status'], colors: Colors): string {
  return status === 'active' ? colors.green(status) : status === 'revoked' ? colors.red(status) : colors.yellow(status);
}

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

export function keyTable(keys: readonly KeyView[], now: Date, colors: Colors): string {
  if (keys.length === 0) return 'No keys yet: create one with apikey create --name NAME';
  return table(
    ['ID', 'NAME', 'STATUS', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED'],
    keys.map((key) => [
      key.id,
      key.name,
      statusText(key.status, colors),
      key.scopes.join(',') || '-',
      relativeTime(key.createdAt, now),
      relativeTime(key.expiresAt, now),
      key.lastUsedAt !== undefined ? relativeTime(key.lastUsedAt, now) : '-',
    ]),
    colors,
  );
}

export function keyDetails(key: KeyView, now: Date, colors: Colors): string {
  const rows: [string, string][] = [
    ['id', key.id],
    ['name', key.name],
    ['status', statusText(key.status, colors)],
    ['scopes', key.scopes.join(', ') || '-'],
    ['created', `${key.createdAt} (${relativeTime(key.createdAt, now)})`],
    ['expires', `${key.expiresAt} (${relativeTime(key.expiresAt, now)})`],
    ['last used', key.lastUsedAt !== undefined ? `${key.lastUsedAt} (${relativeTime(key.lastUsedAt, now)})` : 'never'],
  ];
  return rows.map(([label, value]) => `${colors.dim(label.padEnd(10))}${value}`).join('\n');
}

/** For a terminal: everything about the new key, with the key itself last and a warning. */
export function createdKeyDetails(key: CreatedKey, now: Date, colors: Colors): string {
  return [
    `${colors.dim('id'.padEnd(10))}${key.id}`,
    `${colors.dim('name'.padEnd(10))}${key.name}`,
    `${colors.dim('scopes'.padEnd(10))}${key.scopes.join(', ') || '-'}`,
    `${colors.dim('expires'.padEnd(10))}${key.expiresAt} (${relativeTime(key.expiresAt, now)})`,
    '',
    colors.yellow('This key is shown once. Store it now; it cannot be shown again.'),
    key.key,
  ].join('\n');
}
