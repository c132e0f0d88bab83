import { createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { isKeyId } from './key-ids';

/**
 * Access tokens from `POST /oauth/token` (the OAuth 2.0 client-credentials
 * grant): `<prefix>_at_<kid>.<claims>.<mac>`, where `claims` is base64url
 * JSON `{ "v": 1, "k": <key id>, "s": [<scopes>], "e": <expiry, epoch s> }`
 * and `mac` the base64url HMAC-SHA256 of everything before it.
 *
 * Nothing is stored: the token is self-contained, so the exchange writes no
 * item and the authorizer refuses a tampered or expired one with one HMAC
 * and no read. It still reads the key itself (one GetItem, cached like a
 * key's verdict), so a token dies with its key: revoked, disabled, expired,
 * or rotated past its grace period.
 *
 * The MAC key is derived (HKDF-SHA256, RFC 5869) from the private scalar of
 * the assertion signing key named by `kid`, so it rotates with the signing
 * keys and is kept as long (RETIRED_KEY_KEPT_MS > MAX_ACCESS_TOKEN_TTL_SECONDS).
 * A derived key, not the ECDSA key itself: a token can never be mistaken for
 * an assertion, the public JWKS verifies nothing here, and the token exchange
 * is given the MAC keys alone, in a secret of their own (token-keys.ts), never
 * a key that could sign an assertion. The authorizer derives them itself.
 */

/** One hour, as Stormpath's tokens; never longer, so every token's key is still in the signing set (signing-keys.ts). */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 3600;
/** Far above a real token (a kid, a key id and a handful of scopes); anything longer is refused unread. */
export const MAX_ACCESS_TOKEN_LENGTH = 4096;

const MAC_INFO = 'user-api-keys access token v1';
const MAC_BYTES = 32;
/** A MAC's length in unpadded base64url. */
const MAC_CHARS = Math.ceil((MAC_BYTES * 8) / 6);
const B64URL = /^[A-Za-z0-9_-]+$/;

/** A key the tokens of one signing key are authenticated with. */
export interface TokenKey {
  readonly kid: string;
  readonly macKey: KeyObject;
}

/** The MAC key's bytes for the signing key whose private scalar is `d` (base64url, as the key set stores it). */
export function tokenMacBytes(d: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(d, 'base64url'), Buffer.alloc(0), MAC_INFO, MAC_BYTES));
}

/** The MAC key of the signing key whose private scalar is `d`. */
export function tokenMacKey(d: string): KeyObject {
  return createSecretKey(tokenMacBytes(d));
}

/** Where the MAC keys come from: the signing key set (signing-key-loader.ts), or `npm start`'s own key. */
export interface TokenKeySource {
  /** The key to mint with now; rejects (fail closed) while none can be loaded. */
  current(): Promise<TokenKey>;
  /** The key a token names; undefined when the set has no such key. */
  byKid(kid: string): Promise<TokenKey | undefined>;
}

export interface AccessTokenClaims {
  readonly keyId: string;
  readonly scopes: readonly string[];
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED'; readonly keyId?: string };

const INVALID = { ok: false, code: 'INVALID_TOKEN' } as const;

const mac = (key: KeyObject, signed: string): Buffer => createHmac('sha256', key).update(signed).digest();

function readClaims(encoded: string): AccessTokenClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { v, k, s, e } = (value ?? {}) as Record<string, unknown>;
  const scopesOk = Array.isArray(s) && s.every((scope) => typeof scope === 'string');
  if (v !== 1 || typeof k !== 'string' || !isKeyId(k) || !scopesOk || !Number.isSafeInteger(e)) return undefined;
  return { keyId: k, scopes: s, expiresAt: e as number };
}

/** Mints and checks access tokens for one key prefix. */
export class AccessTokens {
  /** What every token starts with: `<prefix>_at_` (a key's id is base62, so no key starts so). */
  readonly marker: string;

  constructor(
    prefix: string,
    private readonly keys: TokenKeySource,
  ) {
    this.marker = `${prefix}_at_`;
  }

  isToken(candidate: string): boolean {
    return candidate.startsWith(this.marker);
  }

  async mint(claims: AccessTokenClaims): Promise<string> {
    const key = await this.keys.current();
    const body = Buffer.from(JSON.stringify({ v: 1, k: claims.keyId, s: [...claims.scopes], e: claims.expiresAt })).toString('base64url');
    const signed = `${this.marker}${key.kid}.${body}`;
    return `${signed}.${mac(key.macKey, signed).toString('base64url')}`;
  }

  /**
   * Never throws for any input: a token that is not one, names an unknown
   * key or fails its MAC is INVALID_TOKEN; one past its expiry TOKEN_EXPIRED.
   * The MAC is checked (constant time, on its canonical base64url text) before the claims are read.
   */
  async check(token: string, nowMs: number): Promise<TokenCheck> {
    if (token.length > MAX_ACCESS_TOKEN_LENGTH || !this.isToken(token)) return INVALID;
    const parts = token.slice(this.marker.length).split('.');
    if (parts.length !== 3) return INVALID;
    const [kid = '', body = '', presentedMac = ''] = parts;
    if (!B64URL.test(kid) || !B64URL.test(body) || !B64URL.test(presentedMac)) return INVALID;
    if (presentedMac.length !== MAC_CHARS) return INVALID;
    const key = await this.keys.byKid(kid);
    if (key === undefined) return INVALID;
    // Compared as text, not decoded: 43 characters carry 258 bits, and decoding drops the last 2, so
    // four spellings of the last character would decode to the same MAC (a token changed yet accepted).
    const expected = Buffer.from(mac(key.macKey, token.slice(0, token.length - presentedMac.length - 1)).toString('base64url'));
    if (!timingSafeEqual(Buffer.from(presentedMac), expected)) return INVALID;
    const claims = readClaims(body);
    if (claims === undefined) return INVALID;
    if (nowMs >= claims.expiresAt * 1000) return { ok: false, code: 'TOKEN_EXPIRED', keyId: claims.keyId };
    return { ok: true, claims };
  }
}
