import { ApiError } from './api';
import { plural } from './expiry';
import type { KeyStatus, KeyView } from './types';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A server timestamp for people; the text itself when it is not a date. */
export function formatDateTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : dateTime.format(at);
}

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
