import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The API key format: `<prefix>_<keyId>_<secret><checksum>`, only `[A-Za-z0-9_]`.
 *
 * - prefix:   operator-chosen, 2..10 lowercase letters or digits (default `uak`)
 * - keyId:    22 base62 characters, 128 random bits; public, the DynamoDB partition key
 * - secret:   43 base62 characters, 256 random bits from a CSPRNG; only its SHA-256 is stored
 * - checksum: 6 base62 characters, CRC32 of everything before it, so mistyped or
 *             truncated keys are refused without a database read
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_ID_LENGTH = 22;
export const SECRET_LENGTH = 43;
export const CHECKSUM_LENGTH = 6;
const KEY_ID_BYTES = 16;
const SECRET_BYTES = 32;
/** The one rule for a key prefix, shared with the settings schema. */
export const KEY_PREFIX_PATTERN = /^[a-z0-9]{2,10}$/;
export const KEY_PREFIX_RULE = '2-10 lowercase letters or digits';
const KEY_ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${KEY_ID_LENGTH}}$`);

export interface ParsedKey {
  readonly keyId: string;
  readonly secret: string;
}

export type KeyParseResult =
  { readonly ok: true; readonly key: ParsedKey } | { readonly ok: false; readonly reason: 'MALFORMED' | 'WRONG_PREFIX' | 'BAD_CHECKSUM' };

export interface GeneratedKey extends ParsedKey {
  /** The whole key as handed to its owner, once. */
  readonly key: string;
}

export function isValidKeyPrefix(prefix: string): boolean {
  return KEY_PREFIX_PATTERN.test(prefix);
}

export function isWellFormedKeyId(keyId: string): boolean {
  return KEY_ID_PATTERN.test(keyId);
}

/** A regex that secret scanners can use to find keys with this prefix in text. */
export function keyScanPattern(prefix: string): RegExp {
  return new RegExp(`\\b${prefix}_[0-9A-Za-z]{${KEY_ID_LENGTH}}_[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}\\b`, 'g');
}

function encodeBytes(bytes: Buffer, width: number): string {
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  for (let i = 0; i < width; i += 1) {
    out = BASE62.charAt(Number(value % 62n)) + out;
    value /= 62n;
  }
  return out;
}

function encodeChecksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    out = BASE62.charAt(value % 62) + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/**
 * Format and parse keys for one prefix. Built once per process: the prefix is
 * validated and the parsing regex compiled here, not per request.
 */
export class KeyFormat {
  readonly prefix: string;
  private readonly pattern: RegExp;
  private readonly length: number;

  constructor(prefix: string) {
    if (!isValidKeyPrefix(prefix)) {
      throw new Error(`Key prefix must be ${KEY_PREFIX_RULE}, got "${prefix}"`);
    }
    this.prefix = prefix;
    this.pattern = new RegExp(
      `^${prefix}_([0-9A-Za-z]{${KEY_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
    );
    this.length = prefix.length + 2 + KEY_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
  }

  generate(): GeneratedKey {
    const keyId = encodeBytes(randomBytes(KEY_ID_BYTES), KEY_ID_LENGTH);
    const secret = encodeBytes(randomBytes(SECRET_BYTES), SECRET_LENGTH);
    return { keyId, secret, key: this.format(keyId, secret) };
  }

  format(keyId: string, secret: string): string {
    const body = `${this.prefix}_${keyId}_${secret}`;
    return body + encodeChecksum(body);
  }

  /** Never throws: any input, of any type, gets a result. */
  parse(input: unknown): KeyParseResult {
    if (typeof input !== 'string' || input.length !== this.length) {
      return { ok: false, reason: 'MALFORMED' };
    }
    const match = this.pattern.exec(input);
    if (match === null) {
      return input.startsWith(`${this.prefix}_`) ? { ok: false, reason: 'MALFORMED' } : { ok: false, reason: 'WRONG_PREFIX' };
    }
    const [, keyId = '', secret = '', checksum] = match;
    const body = input.slice(0, input.length - CHECKSUM_LENGTH);
    if (encodeChecksum(body) !== checksum) {
      return { ok: false, reason: 'BAD_CHECKSUM' };
    }
    // A fresh copy of the id: a regex group is a slice that would keep the whole
    // header (secret included) alive for as long as a cache holds the id.
    return { ok: true, key: { keyId: Buffer.from(keyId, 'latin1').toString('latin1'), secret } };
  }
}
