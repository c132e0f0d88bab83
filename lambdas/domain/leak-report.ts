import { ValidationError } from './errors';

/**
 * One match from a GitHub secret scanning alert: `{ token, type, url, source }`
 * (https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program,
 * "Create a secret alert service"). `url` and `source` are kept to tell the
 * key's owner where it leaked, so they are made safe to show in a terminal.
 */
export interface LeakMatch {
  readonly token: string;
  readonly type: string;
  /** An http(s) URL without control characters, at most URL_MAX_LENGTH; '' when GitHub sent none or another kind. */
  readonly url: string;
  /** Lowercase letters and `_` (`commit`, `issue_comment`, `npm`...); `unknown` for anything else. */
  readonly source: string;
}

/** GitHub batches matches; far more than it sends at once, and few enough to answer inside the function's timeout. */
export const MAX_LEAK_MATCHES = 1000;
/** Far longer than any key of ours (~80 characters): a longer token is not a match of our pattern. */
export const TOKEN_MAX_LENGTH = 1024;
export const TYPE_MAX_LENGTH = 256;
export const URL_MAX_LENGTH = 2048;
const SOURCE_PATTERN = /^[a-z_]{1,64}$/;
/** Control, format (bidi overrides), unassigned and private-use characters: none belongs in a URL shown in a terminal. */
const INVISIBLE = /\p{C}/gu;

/** The body of an alert (its signature already checked) as matches; a ValidationError (400) naming what is wrong. */
export function parseLeakReport(raw: Buffer): LeakMatch[] {
  if (raw.byteLength === 0) throw new ValidationError('A JSON array of secret scanning matches is required', 'MISSING_BODY');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('The body is not valid JSON', 'INVALID_JSON');
  }
  if (!Array.isArray(body) || body.length === 0) throw new ValidationError('The body must be a non-empty JSON array of matches');
  if (body.length > MAX_LEAK_MATCHES) throw new ValidationError(`At most ${MAX_LEAK_MATCHES} matches in one request`);
  return body.map((item: unknown, index) => parseMatch(item, index));
}

function parseMatch(item: unknown, index: number): LeakMatch {
  const problem = (what: string) => new ValidationError(`Match ${index}: ${what}`);
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw problem('not an object');
  const { token, type, url, source } = item as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0 || token.length > TOKEN_MAX_LENGTH) {
    throw problem(`"token" must be a string of 1-${TOKEN_MAX_LENGTH} characters`);
  }
  if (typeof type !== 'string' || type.length === 0 || type.length > TYPE_MAX_LENGTH) {
    throw problem(`"type" must be a string of 1-${TYPE_MAX_LENGTH} characters`);
  }
  if (url !== undefined && url !== null && typeof url !== 'string') throw problem('"url" must be a string');
  if (source !== undefined && source !== null && typeof source !== 'string') throw problem('"source" must be a string');
  return { token, type, url: safeUrl(url ?? ''), source: safeSource(source ?? '') };
}

/** An http(s) URL, normalised, without invisible characters; '' for anything else (or one too long to keep whole). */
export function safeUrl(text: string): string {
  const stripped = text.replace(INVISIBLE, '').trim();
  if (stripped === '') return '';
  let url: URL;
  try {
    url = new URL(stripped);
  } catch {
    return '';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return '';
  // Credentials in a URL are someone's secret too; the owner needs only where.
  url.username = '';
  url.password = '';
  // Percent-encoded by the parser: what remains is printable ASCII. Cut short, it would point elsewhere: dropped instead.
  return url.href.length <= URL_MAX_LENGTH ? url.href : '';
}

/** The docs list sources capitalised (`Pull_request_title`) and the samples send them lowercase: kept lowercase. */
export function safeSource(text: string): string {
  const lower = text.toLowerCase();
  return SOURCE_PATTERN.test(lower) ? lower : 'unknown';
}
