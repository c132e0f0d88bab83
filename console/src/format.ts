import { ApiError } from './api';
import type { KeyStatus, KeyView } from './types';

const DAY_MS = 86_400_000;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A server timestamp for people; the text itself when it is not a date. */
export function formatDateTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : dateTime.format(at);
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** 90 → "90 seconds", 600 → "10 minutes", 3600 → "1 hour", 86400 → "24 hours", 604800 → "7 days". */
export function formatDuration(seconds: number): string {
  if (seconds > 86_400 && seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds >= 3600 && seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds < 120) return plural(seconds, 'second');
  if (seconds < 7200) return plural(Math.round(seconds / 60), 'minute');
  return plural(Math.round(seconds / 3600), 'hour');
}

export const STATUS_LABELS: Readonly<Record<KeyStatus, string>> = {
  active: 'Active',
  disabled: 'Disabled',
  rotated: 'Rotated',
  expired: 'Expired',
  revoked: 'Revoked',
};

/** The status in words (never colour alone), with what a rotation's grace period means for it. */
export function statusText(key: KeyView): string {
  const label = STATUS_LABELS[key.status];
  if (key.replacedBy !== undefined && (key.status === 'active' || key.status === 'disabled'))
    return `${label} (replaced: works until it expires)`;
  return label;
}

/** Which per-key actions a status allows: revocation is final, an expired or replaced key cannot be rotated. */
export function keyActions(key: KeyView): { rotate: boolean; toggle: boolean; rename: boolean; revoke: boolean } {
  const live = key.status === 'active' || key.status === 'disabled';
  return {
    rotate: key.status === 'active' && key.replacedBy === undefined,
    toggle: live,
    rename: live,
    revoke: live,
  };
}

/** The words for an error: the API's message and code, what Retry-After says, or that the API could not be reached. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
  if (error.status === 401) return 'Your session has ended: log in again.';
  if (error.status === 0 || error.code === 'INVALID_ANSWER') return error.message;
  const message = error.message.trim();
  const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
  const code = error.code.startsWith('HTTP_') ? `HTTP ${error.status}` : error.code;
  const retry =
    error.retryAfterSeconds !== undefined
      ? ` Try again in ${formatDuration(error.retryAfterSeconds)}.`
      : error.status === 429
        ? ' Try again later.'
        : '';
  return `${sentence} (${code})${retry}`;
}

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

/** The expiry a choice means, at `now`; a date means the end of that day, here, and never past the policy's maximum. */
export function expiryFor(choice: string, dateValue: string, now: Date, maxLifetimeDays: number): Date | undefined {
  const latest = now.getTime() + maxLifetimeDays * DAY_MS;
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

/** Grace periods of none, 1 hour, 24 hours and 7 days, those the policy allows, and its default when not among them. */
export function graceChoices(maxGraceSeconds: number, defaultGraceSeconds: number): { choices: number[]; initial: number } {
  const choices = [0, 3600, 86_400, 604_800].filter((n) => n <= maxGraceSeconds);
  const initial = Math.max(0, Math.min(defaultGraceSeconds, maxGraceSeconds));
  if (!choices.includes(initial)) choices.push(initial);
  choices.sort((a, b) => a - b);
  return { choices, initial };
}

export const graceLabel = (seconds: number): string =>
  seconds === 0 ? 'None: the old key stops working at once' : formatDuration(seconds);

/** What an audit event's details say, as `name: value` pairs. */
export function formatDetails(details: Readonly<Record<string, string>> | undefined): string {
  if (details === undefined) return '';
  return Object.entries(details)
    .map(([name, value]) => `${name}: ${name.endsWith('At') ? formatDateTime(value) : value}`)
    .join('; ');
}

export const EVENT_LABELS: Readonly<Record<string, string>> = {
  create: 'Created',
  rotate: 'Rotated',
  revoke: 'Revoked',
  enable: 'Enabled',
  disable: 'Disabled',
  rename: 'Renamed',
  import: 'Imported',
};
