import { CliError, EXIT } from './errors';

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * `--expires`: a duration from now (`90m`, `12h`, `30d`, `2w`) or a date
 * (`2027-01-31`, midnight UTC) or date-time with a zone. Returns ISO-8601.
 */
export function parseExpires(value: string, now: Date): string {
  const duration = /^(\d{1,6})([mhdw])$/.exec(value.trim());
  if (duration !== null) {
    const seconds = Number(duration[1]) * (UNIT_SECONDS[duration[2]!] ?? 0);
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
