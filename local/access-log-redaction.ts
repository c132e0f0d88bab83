import { KEY_ID_LENGTH, KEY_PREFIX_PATTERN } from '../lambdas/domain/key-format';

/**
 * The request target as `npm start`'s access log prints it: decoded, so that
 * a key or token hidden behind percent-encoding (once, twice, in the path or
 * the query, `+` for spaces) is seen and redacted, then re-encoded where a
 * character would be unsafe on a terminal or would change how the line reads.
 *
 * - A fragment (`#` and all after it) is never printed: a client sending one
 *   raw over a socket is sending what it meant to keep to itself.
 * - Parameters are split on raw `&` and `;`, then on the first raw `=`; name
 *   and value are decoded apart. A parameter whose decoded name looks like a
 *   credential (token, key, secret, auth, ...) has its value redacted, however
 *   short.
 * - Structure that appears only once decoded (a `?`, `#`, `&`, `;` or `=` in a
 *   name, a value or the path, as in a redirect URL given as a parameter) is
 *   read the same way, and printed percent-encoded so the line reads back as
 *   it was sent.
 * - Keys are redacted whole or cut short (a key's start and 20 characters of
 *   its secret), JWTs and 43-character runs anywhere; once a key's start or a
 *   JWT has been seen, so is any later run of 20 base62 characters (after a
 *   JWT, base64url): the rest of a key or token split across parameters.
 * - Control, format, invisible and space characters are printed
 *   percent-encoded, and ignored when looking for keys and tokens, so that one
 *   slipped into a key neither hides on a terminal nor splits the key.
 */

/** More rounds than any client needs; a target still changing after them is not printed at all. */
const MAX_DECODE_ROUNDS = 6;

export const REDACTED = '[redacted]';
const REDACTED_KEY = '[redacted key]';

/** A key's prefix and id, as `<prefix>_<id>_`: what starts a key, whatever follows. */
const KEY_START = new RegExp(`${KEY_PREFIX_PATTERN.source.replace(/^\^|\$$/g, '')}_[0-9A-Za-z]{${KEY_ID_LENGTH}}_`);
/** More than the longest key's start: how much of the values before a value is read with it. */
const VALUES_KEPT = 64;
/** A key, whole or cut short: its start and at least 20 characters of its secret (the capture is for `split`). */
const KEY = new RegExp(`(${KEY_START.source}[0-9A-Za-z]{20,})`);
/** A JWS or JWE in compact form: its header is base64url JSON, so it starts `eyJ` ("{"). */
const JWT = /(eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_=-]*(?:\.[A-Za-z0-9_=-]*)*)/;
/** A key's secret, with or without its prefix and id: 43 or more base62 characters in a row. */
const LONG_SECRET = /([0-9A-Za-z]{43,})/;
/** After a key's start, what could be the rest of its secret, split off into a parameter of its own. */
const REST_OF_KEY = /([0-9A-Za-z]{20,})/;
/** After a JWT, what could be the rest of it (its signature, say): base64url. */
const REST_OF_TOKEN = /([A-Za-z0-9_-]{20,})/;

/** Words in a parameter's name (lowercased, letters and digits only) that mark its value as a credential. */
const CREDENTIAL_NAME = /token|key|secret|auth|bearer|pass|pwd|code|sig|session|cred|jwt|cookie|assertion/;

/** Control, format, unassigned, private-use, surrogate, space and line-separator characters, and those shown as nothing. */
const UNSAFE = /[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}]/gu;
/** Printed percent-encoded in the path: the unsafe, and what would read as the start of a query or fragment. */
const PATH_ENCODED = /[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}?#]/gu;
/** Printed percent-encoded in a name or value: also what would read as a separator, and `+` (a space). */
const QUERY_ENCODED = /[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}?#&;=+]/gu;

interface Context {
  /** Characters printed percent-encoded. */
  readonly encoded: RegExp;
  /** Whether the separators `&`, `;` and `=` found once decoded are printed percent-encoded. */
  readonly encodeSeparators: boolean;
  /** Whether a parameter is named by its last path segment (`/a/b=c` is `b`), as in the path. */
  readonly lastSegment: boolean;
}

const PATH: Context = { encoded: PATH_ENCODED, encodeSeparators: false, lastSegment: true };
const QUERY: Context = { encoded: QUERY_ENCODED, encodeSeparators: true, lastSegment: false };

/** Percent-decoding that never throws: a malformed escape stays as it is, invalid UTF-8 becomes U+FFFD. */
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** Uppercase UTF-8 escapes; a lone surrogate is U+FFFD's. */
function percentEncode(char: string): string {
  return Array.from(Buffer.from(char, 'utf8'), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
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

function visible(text: string): string {
  return text.replace(UNSAFE, '');
}

function isCredentialName(name: string, context: Context): boolean {
  const named = context.lastSegment ? name.slice(name.lastIndexOf('/') + 1) : name;
  return CREDENTIAL_NAME.test(
    named
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, ''),
  );
}

/** What has been printed so far, in the order the line reads. */
interface Seen {
  /** A key's start (`<prefix>_<id>_`), whole key or not. */
  key: boolean;
  jwt: boolean;
  /** The end of the query's values so far, read together: a key's start cut between two of them still starts a key. */
  values: string;
}

/** Text that is a redaction marker, not to be encoded or redacted again. */
interface Marker {
  readonly marker: string;
  readonly starts?: 'key' | 'jwt';
}
type Piece = string | Marker;

const KEY_MARKER: Marker = { marker: REDACTED_KEY, starts: 'key' };
const JWT_MARKER: Marker = { marker: REDACTED, starts: 'jwt' };
const SECRET_MARKER: Marker = { marker: REDACTED };
const RULES: readonly (readonly [RegExp, Marker])[] = [
  [KEY, KEY_MARKER],
  [JWT, JWT_MARKER],
  [LONG_SECRET, SECRET_MARKER],
];

/** Each pattern has one capture, so split alternates between text and matches. */
function cut(text: string, pattern: RegExp, marker: Marker): Piece[] {
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? marker : part));
}

/** What follows a key's start or a JWT: any run long enough to be the rest of one, split off. */
function rest(text: string, seen: Seen): Piece[] {
  if (seen.jwt) return cut(text, REST_OF_TOKEN, SECRET_MARKER);
  if (seen.key) return cut(text, REST_OF_KEY, SECRET_MARKER);
  return [text];
}

/** The text's keys and tokens as markers; `seen` updated with what it holds. */
function redactions(text: string, seen: Seen): Piece[] {
  let pieces: Piece[] = [text];
  for (const [pattern, marker] of RULES) {
    pieces = pieces.flatMap((piece) => (typeof piece === 'string' ? cut(piece, pattern, marker) : [piece]));
  }
  return pieces.flatMap((piece) => {
    if (typeof piece !== 'string') {
      if (piece.starts === 'key') seen.key = true;
      if (piece.starts === 'jwt') seen.jwt = true;
      return [piece];
    }
    const start = seen.key ? null : KEY_START.exec(piece);
    if (start === null) return rest(piece, seen);
    const end = start.index + start[0].length;
    const before = rest(piece.slice(0, end), seen);
    seen.key = true;
    return [...before, ...rest(piece.slice(end), seen)];
  });
}

function unredacted(pieces: Piece[]): string {
  return visible(pieces.map((piece) => (typeof piece === 'string' ? piece : '')).join(''));
}

/** Text with no structure left in it: redacted, as it is or with its unsafe characters taken out, whichever hides more. */
function printLeaf(text: string, context: Context, seen: Seen): string {
  const asSent = { ...seen };
  let pieces = redactions(text, asSent);
  const shown = visible(text);
  const asShown = { ...seen };
  if (shown !== text) {
    const withoutUnsafe = redactions(shown, asShown);
    if (unredacted(withoutUnsafe).length < unredacted(pieces).length) pieces = withoutUnsafe;
  }
  // A reader sees the key or token whichever way it was found.
  seen.key = asSent.key || asShown.key;
  seen.jwt = asSent.jwt || asShown.jwt;
  return pieces.map((piece) => (typeof piece === 'string' ? piece.replace(context.encoded, percentEncode) : piece.marker)).join('');
}

/** A value not printed (its name is a credential's) is still seen: what follows may be the rest of it. */
function observe(text: string, seen: Seen): void {
  redactions(visible(text), seen);
}

/** Decoded `a=b&c;d`, whose separators were data when sent. */
function printParameters(text: string, context: Context, seen: Seen): string {
  return text
    .split(/([&;])/)
    .map((part, i) => {
      if (i % 2 === 1) return context.encodeSeparators ? percentEncode(part) : part;
      const equals = part.indexOf('=');
      if (equals === -1) return printLeaf(part, context, seen);
      const name = part.slice(0, equals);
      const printedName = printLeaf(name, context, seen);
      const value = part.slice(equals + 1);
      let printedValue = REDACTED;
      if (isCredentialName(name, context)) observe(value, seen);
      else printedValue = printLeaf(value, context, seen);
      return `${printedName}${context.encodeSeparators ? percentEncode('=') : '='}${printedValue}`;
    })
    .join('');
}

/** Decoded text, which may hold a fragment, a query or parameters of its own. */
function printDecoded(text: string, context: Context, seen: Seen): string {
  const hash = text.indexOf('#');
  if (hash !== -1) return `${printDecoded(text.slice(0, hash), context, seen)}${percentEncode('#')}${REDACTED}`;
  const question = text.indexOf('?');
  if (question !== -1) {
    const before = printDecoded(text.slice(0, question), context, seen);
    return `${before}${percentEncode('?')}${printParameters(text.slice(question + 1), QUERY, seen)}`;
  }
  return /[&;=]/.test(text) ? printParameters(text, context, seen) : printLeaf(text, context, seen);
}

interface Parameter {
  /** Between this parameter and the one before: `&`, `;`, or nothing for the first. */
  readonly separator: string;
  /** Decoded; undefined when encoded too deeply to read. */
  readonly name: string | undefined;
  /** Decoded; undefined when encoded too deeply to read; absent (no `=`) is `hasValue: false`. */
  readonly value: string | undefined;
  readonly hasValue: boolean;
}

/** Split on the raw separators, before decoding: an encoded "&", ";" or "=" is data, not structure. */
function parameters(query: string): Parameter[] {
  const parts = query.split(/([&;])/);
  const out: Parameter[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const part = parts[i] ?? '';
    const equals = part.indexOf('=');
    out.push({
      separator: parts[i - 1] ?? '',
      name: fullyDecoded(equals === -1 ? part : part.slice(0, equals), true),
      value: equals === -1 ? undefined : fullyDecoded(part.slice(equals + 1), true),
      hasValue: equals !== -1,
    });
  }
  return out;
}

/**
 * A target the rules above leave as it is, told at a glance: a path alone (no query, fragment or escape), of
 * letters, digits, `/`, `.`, `-` and `~` (so no `_`, which every key's start has, and nothing unsafe), with no
 * JWT's `eyJ` and no run of 43 letters and digits. Most requests (`/whoami`, `/health`, `/keys/<id>`) are such.
 */
const PLAIN_PATH = /^[A-Za-z0-9/.~-]*$/;
const LONG_RUN = /[0-9A-Za-z]{43}/;

/** The raw request target (`request.url`) with no key, token, credential parameter or fragment left in it. */
export function redactRequestTarget(target: string): string {
  if (PLAIN_PATH.test(target) && !target.includes('eyJ') && !LONG_RUN.test(target)) return target;
  return redactRequestTargetInFull(target);
}

/** redactRequestTarget without its shortcut (exported for the test that holds the two equal). */
export function redactRequestTargetInFull(target: string): string {
  const hash = target.indexOf('#');
  const beforeFragment = hash === -1 ? target : target.slice(0, hash);
  const fragment = hash === -1 ? '' : `#${REDACTED}`;
  const question = beforeFragment.indexOf('?');
  const path = fullyDecoded(question === -1 ? beforeFragment : beforeFragment.slice(0, question), false);

  const seen: Seen = { key: false, jwt: false, values: '' };
  const printedPath = path === undefined ? REDACTED : printDecoded(path, PATH, seen);
  if (question === -1) return `${printedPath}${fragment}`;

  const printed = parameters(beforeFragment.slice(question + 1)).map(({ separator, name, value, hasValue }) => {
    if (name === undefined) return `${separator}${REDACTED}${hasValue ? `=${REDACTED}` : ''}`;
    const printedName = printDecoded(name, QUERY, seen);
    if (!hasValue) return `${separator}${printedName}`;
    if (value === undefined) return `${separator}${printedName}=${REDACTED}`;
    // A key's start cut inside its prefix or id, between this value and the ones before, is one this value follows.
    const joined = seen.values + visible(value);
    const start = KEY_START.exec(joined);
    if (start !== null && start.index < seen.values.length) seen.key = true;
    seen.values = joined.slice(-VALUES_KEPT);
    if (!isCredentialName(name, QUERY)) return `${separator}${printedName}=${printDecoded(value, QUERY, seen)}`;
    observe(value, seen);
    return `${separator}${printedName}=${REDACTED}`;
  });
  return `${printedPath}?${printed.join('')}${fragment}`;
}
