import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { ValidationError } from './errors';

/**
 * The building blocks of safe retries for `POST /keys` and
 * `POST /keys/{id}/rotate`: the same Idempotency-Key with the same request,
 * from the same owner, within IDEMPOTENCY_WINDOW_SECONDS, answers the first
 * outcome instead of making a second key.
 *
 * The first outcome holds the new key's secret, which the table otherwise
 * never stores (only its SHA-256). So it is kept sealed: AES-256-GCM under a
 * key derived (HKDF-SHA256, RFC 5869) from the Idempotency-Key, which only the
 * client knows, salted with the owner id, and bound (as AAD) to the record id.
 * The server cannot open a record without the request that retries it.
 *
 * That seal is exactly as strong as the Idempotency-Key is unguessable: with
 * the table in hand, a short or predictable key (8 characters are allowed)
 * can be searched for offline. A random UUID (122 bits) cannot.
 */

/** How long a first outcome is answered again (and then purged by the table's TTL). */
export const IDEMPOTENCY_WINDOW_SECONDS = 86_400;
/** As API Gateway's HTTP API (payload 2.0) and Node's http spell request header names: lowercase. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

export const MIN_IDEMPOTENCY_KEY_LENGTH = 8;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Printable ASCII without the space: 0x21-0x7E. */
const KEY_CHARACTERS = /^[\x21-\x7e]*$/;
/** Leading and trailing OWS (SP / HTAB) is not part of a field value (RFC 9110, section 5.5). */
const OUTER_WHITESPACE = /^[ \t]+|[ \t]+$/g;

const INVALID_KEY_MESSAGE =
  `The Idempotency-Key header must be ${MIN_IDEMPOTENCY_KEY_LENGTH} to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters ` +
  '(0x21-0x7E, no spaces), bare (such as a UUID) or as a quoted string';

/**
 * The RFC 8941 (section 3.3.3) String `"..."`'s value: `\"` and `\\` are its
 * only escapes; undefined when `quoted` is not exactly one such String.
 */
function sfStringValue(quoted: string): string | undefined {
  if (quoted.length < 2 || !quoted.endsWith('"')) return undefined;
  let value = '';
  for (let i = 1; i < quoted.length - 1; i += 1) {
    const char = quoted.charAt(i);
    if (char === '"') return undefined;
    if (char === '\\') {
      i += 1;
      const escaped = quoted.charAt(i);
      if (i >= quoted.length - 1 || (escaped !== '"' && escaped !== '\\')) return undefined;
      value += escaped;
    } else {
      value += char;
    }
  }
  return value;
}

/**
 * The Idempotency-Key a request carries, or undefined when it carries none.
 *
 * draft-ietf-httpapi-idempotency-key-header (-07, section 2.1,
 * https://datatracker.ietf.org/doc/html/draft-ietf-httpapi-idempotency-key-header-07)
 * makes the field an RFC 8941 String: `Idempotency-Key: "8e03978e-..."`.
 * Most clients (as Stripe's) send the bare value instead, so both are taken:
 * a value that starts with `"` is read as a String and the key is its
 * content; any other value is the key itself. `"abc12345"` and `abc12345`
 * are thus the same key.
 *
 * Either way the key is 8 to 255 characters of printable ASCII without the
 * space (0x21-0x7E). A String may hold spaces, but no UUID, ULID or random
 * token does, and a space is how two fields end up in one value (a client
 * MUST NOT send two, the draft says; Node's http joins them with ", "), so a
 * key with a space is refused rather than guessed at. Outer whitespace is
 * not part of a field value and is ignored.
 *
 * The message names the header and the rule, never the value (it could be
 * anything the client pasted, such as a key's secret).
 */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const field = value.replace(OUTER_WHITESPACE, '');
  const key = field.startsWith('"') ? sfStringValue(field) : field;
  if (
    key === undefined ||
    key.length < MIN_IDEMPOTENCY_KEY_LENGTH ||
    key.length > MAX_IDEMPOTENCY_KEY_LENGTH ||
    !KEY_CHARACTERS.test(key)
  ) {
    throw new ValidationError(INVALID_KEY_MESSAGE);
  }
  return key;
}

/** What makes two requests the same one. */
export interface IdempotentRequest {
  /** The route, such as `POST /keys` or `POST /keys/{id}/rotate`. */
  readonly route: string;
  /** The key a route acts on (rotate); absent for create. */
  readonly keyId?: string | undefined;
  /** The parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * JSON with every object's keys sorted (by UTF-16 code units, as
 * Array.prototype.sort does), recursively, so the order a client wrote its
 * fields in does not change the request. Properties whose value is undefined
 * are left out (as JSON.stringify does); anything else that is not JSON
 * (a function, a bigint, NaN, a Date...) is a bug in the caller: a TypeError.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('A request fingerprint takes finite numbers only');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((element: unknown) => canonicalJson(element)).join(',')}]`;
  if (isPlainObject(value)) {
    const fields = Object.keys(value)
      .filter((name) => value[name] !== undefined)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(value[name])}`);
    return `{${fields.join(',')}}`;
  }
  throw new TypeError(`A request fingerprint takes JSON values only, not ${typeof value}`);
}

/**
 * SHA-256 (hex) of the request's canonical JSON `{ route, keyId, body }`: the
 * same route, key and body, in any field order, give the same fingerprint.
 * An absent body counts as `{}`, since that is what rotate reads it as (the
 * defaults: change-key-requests.ts); create refuses an absent body before
 * getting here. `null` is a body of its own.
 */
export function requestFingerprint(request: IdempotentRequest): string {
  const canonical = canonicalJson({
    route: request.route,
    keyId: request.keyId ?? null,
    body: request.body === undefined ? {} : request.body,
  });
  return createHash('sha256').update('user-api-keys request v1\0').update(canonical).digest('hex');
}

/** Each part's UTF-8 bytes after their length (32-bit big-endian), so no two pairs encode alike. */
function lengthPrefixed(...parts: readonly string[]): Buffer {
  return Buffer.concat(
    parts.flatMap((part) => {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );
}

/**
 * The record of one owner's Idempotency-Key (SHA-256 hex): another owner's
 * same Idempotency-Key is another record, and neither part can be moved into
 * the other (`("ab", "c")` and `("a", "bc")` differ).
 */
export function idempotencyRecordId(ownerId: string, idempotencyKey: string): string {
  return createHash('sha256').update('user-api-keys idempotency record v1\0').update(lengthPrefixed(ownerId, idempotencyKey)).digest('hex');
}

/** A first outcome as stored: AES-256-GCM, each part base64url. */
export interface SealedOutcome {
  readonly v: 1;
  /** 96 random bits. */
  readonly iv: string;
  /** The outcome's JSON, encrypted. */
  readonly data: string;
  /** GCM's 128-bit tag. */
  readonly tag: string;
}

const SEAL_INFO = 'user-api-keys idempotency v1';
const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

function sealKey(idempotencyKey: string, ownerId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(idempotencyKey, 'utf8'), Buffer.from(ownerId, 'utf8'), SEAL_INFO, KEY_BYTES));
}

/** Canonical unpadded base64url of exactly `bytes` bytes (any bytes when undefined); else undefined. */
function base64url(text: unknown, bytes?: number): Buffer | undefined {
  if (typeof text !== 'string' || !B64URL.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64url');
  // Re-encoded and compared, so a changed character that decodes alike (the last one's spare bits) is refused too.
  if (decoded.toString('base64url') !== text || (bytes !== undefined && decoded.length !== bytes)) return undefined;
  return decoded;
}

/** Whether `value` has a SealedOutcome's shape (it says nothing of whether it opens). */
export function isSealedOutcome(value: unknown): value is SealedOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const { v, iv, data, tag } = value as Record<string, unknown>;
  return v === 1 && base64url(iv, IV_BYTES) !== undefined && base64url(data) !== undefined && base64url(tag, TAG_BYTES) !== undefined;
}

/** Encrypts `outcome` (any JSON value) for this owner's Idempotency-Key, bound to its record. */
export function sealOutcome(idempotencyKey: string, ownerId: string, outcome: unknown): SealedOutcome {
  const plaintext = JSON.stringify(outcome) as string | undefined;
  if (plaintext === undefined) throw new TypeError('An outcome to seal must be a JSON value');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, sealKey(idempotencyKey, ownerId), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(idempotencyRecordId(ownerId, idempotencyKey), 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { v: 1, iv: iv.toString('base64url'), data: data.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
}

/**
 * The outcome `sealed` holds. Throws a plain Error (a fault, never a client's
 * error) for anything that does not open: another Idempotency-Key or owner,
 * any changed part, or not a SealedOutcome at all.
 */
export function openOutcome(idempotencyKey: string, ownerId: string, sealed: SealedOutcome): unknown {
  const iv = base64url(sealed.iv, IV_BYTES);
  const data = base64url(sealed.data);
  const tag = base64url(sealed.tag, TAG_BYTES);
  if ((sealed.v as unknown) !== 1 || iv === undefined || data === undefined || tag === undefined) {
    throw new Error('The idempotency record is not a sealed outcome');
  }
  let plaintext: string;
  try {
    const decipher = createDecipheriv(CIPHER, sealKey(idempotencyKey, ownerId), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(idempotencyRecordId(ownerId, idempotencyKey), 'utf8'));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('The idempotency record does not open with this Idempotency-Key and owner');
  }
  return JSON.parse(plaintext);
}

/** What the store keeps per owner and Idempotency-Key for IDEMPOTENCY_WINDOW_SECONDS (lambdas/store/idempotency-records.ts). */
export interface IdempotencyRecord {
  /** idempotencyRecordId(ownerId, Idempotency-Key): 64 hex digits. */
  readonly recordId: string;
  readonly ownerId: string;
  /** requestFingerprint of the first request: 64 hex digits. */
  readonly fingerprint: string;
  readonly sealed: SealedOutcome;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Epoch seconds: the table's TTL attribute (TABLE.ttlAttribute); the record is over once now reaches it. */
  readonly expiresAt: number;
}
