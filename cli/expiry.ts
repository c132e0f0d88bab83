import { MAX_GRACE_PERIOD_SECONDS } from '../lambdas/domain/key-policy';
import { CliError, EXIT } from './errors';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90s`, `30m`, `12h`, `30d`, `2w` → seconds, with only the given units allowed; undefined when it is not such a duration. */
function durationSeconds(value: string, units: string): number | undefined {
  const [, count, unit] = /^(\d{1,7})([a-z])$/.exec(value.trim()) ?? [];
  if (count === undefined || unit === undefined || !units.includes(unit)) return undefined;
  return Number(count) * (UNIT_SECONDS[unit] ?? 0);
}

/**
 * `--expires`: a duration from now (`90m`, `12h`, `30d`, `2w`) or a date
 * (`2027-01-31`, midnight UTC) or date-time with a zone. Returns ISO-8601.
 */
export function parseExpires(value: string, now: Date): string {
  const seconds = /^\d{1,6}[a-z]$/.test(value.trim()) ? durationSeconds(value, 'mhdw') : undefined;
  if (seconds !== undefined) {
    if (seconds <= 0) throw new CliError(`--expires must be in the future, got "${value}"`, EXIT.usage, 'BAD_EXPIRES');
    return new Date(now.getTime() + seconds * 1000).toISOString();
  }
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(date)) {
    const parsed = new Date(date);
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  throw new CliError(
    `--expires takes a duration such as 30d, 12h or 2w, or a date such as 2027-01-31; got "${value}"`,
    EXIT.usage,
    'BAD_EXPIRES',
  );
}

/**
 * `rotate --grace`: how long the old key keeps working, as whole seconds:
 * `0` (it stops at once), or a duration `90s`, `30m`, `1h`, `7d`, `1w`; at most 7 days.
 */
export function parseGracePeriod(value: string): number {
  const text = value.trim();
  const seconds = text === '0' ? 0 : durationSeconds(text, 'smhdw');
  if (seconds === undefined) {
    throw new CliError(`--grace takes 0 or a duration such as 90s, 30m, 1h or 7d; got "${value}"`, EXIT.usage, 'BAD_GRACE');
  }
  if (seconds > MAX_GRACE_PERIOD_SECONDS) {
    throw new CliError(`--grace must be at most 7d (${MAX_GRACE_PERIOD_SECONDS}s); got "${value}"`, EXIT.usage, 'BAD_GRACE');
  }
  return seconds;
}
