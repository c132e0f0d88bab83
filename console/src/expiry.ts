/** The expiry choices of the create dialog, and the date they mean: pure functions, tested in Node too (test/unit/console). */

const DAY_MS = 86_400_000;

export const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;

export interface ExpiryChoice {
  /** `days:<n>` or `date`. */
  readonly value: string;
  readonly label: string;
}

/** Presets of 7, 30 and 90 days and 1 year, those the policy allows, and the policy's default and maximum when not among them. */
export function expiryChoices(maxLifetimeDays: number, defaultLifetimeDays: number): { choices: ExpiryChoice[]; initial: string } {
  const days = [7, 30, 90, 365].filter((n) => n <= maxLifetimeDays);
  const initialDays = Math.min(defaultLifetimeDays, maxLifetimeDays);
  if (initialDays >= 1 && !days.includes(initialDays)) days.push(initialDays);
  if (maxLifetimeDays >= 1 && !days.includes(maxLifetimeDays)) days.push(maxLifetimeDays);
  days.sort((a, b) => a - b);
  const label = (n: number) => (n === 365 ? '1 year' : plural(n, 'day'));
  const choices = days.map((n) => ({ value: `days:${n}`, label: n === initialDays ? `${label(n)} (default)` : label(n) }));
  choices.push({ value: 'date', label: 'On a date…' });
  return { choices, initial: days.includes(initialDays) ? `days:${initialDays}` : (choices[0]?.value ?? 'date') };
}

/**
 * How far inside the policy's maximum the console stays: the API measures the maximum from its own clock, so a
 * browser whose clock runs a little ahead would otherwise ask for a key one second too long and be refused.
 */
export const CLOCK_SKEW_MARGIN_MS = 10 * 60_000;

/** The expiry a choice means, at `now`; a date means the end of that day, here, and never past the policy's maximum. */
export function expiryFor(choice: string, dateValue: string, now: Date, maxLifetimeDays: number): Date | undefined {
  const latest = now.getTime() + maxLifetimeDays * DAY_MS - CLOCK_SKEW_MARGIN_MS;
  const days = /^days:(\d+)$/.exec(choice)?.[1];
  if (days !== undefined) return new Date(Math.min(now.getTime() + Number(days) * DAY_MS, latest));
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateValue);
  if (parts === null) return undefined;
  const end = new Date(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]), 23, 59, 59);
  if (Number.isNaN(end.getTime()) || end.getTime() <= now.getTime()) return undefined;
  return new Date(Math.min(end.getTime(), latest));
}

/** A date input's value (`YYYY-MM-DD`, local time). */
export function dateInputValue(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

export const latestExpiryDate = (now: Date, maxLifetimeDays: number): Date => new Date(now.getTime() + maxLifetimeDays * DAY_MS);
