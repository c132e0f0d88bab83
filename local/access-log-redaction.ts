import { redactKeys } from '../lambdas/domain/key-format';

/**
 * The request target as `npm start`'s access log prints it: decoded, so that
 * a key or token hidden behind percent-encoding (once, twice, in the path or
 * the query, `+` for spaces) is seen and redacted, then re-encoded where a
 * character would be unsafe on a terminal.
 */

/** More rounds than any client needs; a target still changing after them is not printed at all. */
const MAX_DECODE_ROUNDS = 6;

/** A JWS or JWE in compact form: its header is base64url JSON, so it starts `eyJ` ("{"). */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_=-]*(?:\.[A-Za-z0-9_=-]*)*/g;
/** A key's secret, with or without its prefix and id: 43 or more base62 characters in a row. */
const LONG_SECRET = /[0-9A-Za-z]{43,}/g;
/** Query parameters whose value is a credential whatever it looks like (OAuth, common API-key names). */
const SECRET_PARAMETER = /^(?:access_token|id_token|refresh_token|token|code|client_secret|password|secret|api_?key|key|authorization)$/i;
/** Controls, spaces, and bidirectional overrides: printed percent-encoded, never as such. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0020\u007f-\u00a0\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/gu;

export const REDACTED = '[redacted]';

/** Percent-decoding that never throws: a malformed escape stays as it is, invalid UTF-8 becomes U+FFFD. */
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** Decoded until it stops changing, or undefined when it is encoded more deeply than any client would. */
function fullyDecoded(text: string, plusIsSpace: boolean): string | undefined {
  let current = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round += 1) {
    const next = percentDecode(current);
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

function redactValue(decoded: string): string {
  return redactKeys(decoded).replace(JWT, REDACTED).replace(LONG_SECRET, REDACTED);
}

function printable(text: string): string {
  return text.replace(UNSAFE, (char) => encodeURIComponent(char).replace(/%[0-9a-f]{2}/g, (escape) => escape.toUpperCase()));
}

/** One path or query part: decoded, made printable (keys and tokens have no such characters), redacted. */
function clean(raw: string, plusIsSpace: boolean): string {
  const decoded = fullyDecoded(raw, plusIsSpace);
  return decoded === undefined ? REDACTED : redactValue(printable(decoded));
}

function cleanParameter(raw: string): string {
  const equals = raw.indexOf('=');
  if (equals === -1) return clean(raw, true);
  const name = clean(raw.slice(0, equals), true);
  const value = SECRET_PARAMETER.test(fullyDecoded(raw.slice(0, equals), true) ?? '') ? REDACTED : clean(raw.slice(equals + 1), true);
  return `${name}=${value}`;
}

/** The raw request target (`request.url`) with no key, token or credential parameter left in it. */
export function redactRequestTarget(target: string): string {
  const question = target.indexOf('?');
  const path = question === -1 ? target : target.slice(0, question);
  const cleanPath = clean(path, false);
  if (question === -1) return cleanPath;
  const query = target.slice(question + 1);
  // Split on the raw separators, before decoding: an encoded "&" or "=" is data, not structure.
  return `${cleanPath}?${query.split('&').map(cleanParameter).join('&')}`;
}
