import type { Summary } from './stats';

/** ns as ns, µs or ms, three significant digits. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (Math.abs(ns) < 1_000) return `${ns.toPrecision(3)} ns`;
  if (Math.abs(ns) < 1_000_000) return `${(ns / 1_000).toPrecision(3)} µs`;
  return `${(ns / 1_000_000).toPrecision(3)} ms`;
}

export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toPrecision(3)} ms` : 'n/a';
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  return ratio >= 100 ? `${ratio.toFixed(0)}×` : `${ratio.toPrecision(3)}×`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toPrecision(3)} MB`;
  if (bytes >= 1_000) return `${(bytes / 1_000).toPrecision(3)} KB`;
  return `${Math.round(bytes)} B`;
}

export const spreadNs = (s: Summary): string => `${formatNs(s.p25)} – ${formatNs(s.p75)}`;
export const spreadMs = (s: Summary): string => `${formatMs(s.p25)} – ${formatMs(s.p75)}`;
export const spreadRatio = (s: Summary): string => `${formatRatio(s.p25)} – ${formatRatio(s.p75)}`;

export function dollars(amount: number): string {
  return amount >= 0.01 ? `$${amount.toFixed(3)}` : `$${amount.toFixed(4)}`;
}

/** A plain-text table with aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
