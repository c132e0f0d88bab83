import type { StoredKey } from './api-key';
import { isExpired } from './api-key';
import type { KeyFormat } from './key-format';
import { DUMMY_SECRET_HASH, secretMatchesHash, type SecretComparison } from './secret-hash';

/** Why a presented key was refused. Expected outcomes, not exceptions. */
export type DenialCode =
  | 'MISSING'
  | 'MALFORMED'
  | 'KEY_ID_MISMATCH'
  | 'NOT_FOUND'
  | 'INVALID_SECRET'
  | 'REVOKED'
  | 'EXPIRED'
  | 'DISABLED'
  /** A valid key without the scope the route requires (decided per route, after the key's verdict). */
  | 'INSUFFICIENT_SCOPE';

export type Verdict =
  | {
      readonly valid: true;
      readonly ownerId: string;
      readonly keyId: string;
      readonly scopes: readonly string[];
      /** The signed identity assertion for the backend, made once per fresh verdict and cached with it. */
      readonly assertion?: string;
    }
  | { readonly valid: false; readonly code: DenialCode; readonly keyId?: string };

/** A key as presented in an Authorization header, before any database read. */
export type PresentedKey =
  | { readonly ok: true; readonly keyId: string; readonly secret: string }
  | { readonly ok: false; readonly code: 'MISSING' | 'MALFORMED' | 'KEY_ID_MISMATCH' };

const BEARER = /^Bearer ([^\s]+)$/i;
const BASIC = /^Basic ([A-Za-z0-9+/]+={0,2})$/i;

/**
 * Reads `Authorization: Bearer <key>` or, for Stormpath-style clients,
 * `Authorization: Basic base64(<keyId>:<key>)`. Never throws.
 */
export function readPresentedKey(header: string | undefined, format: KeyFormat): PresentedKey {
  if (header === undefined || header === '') {
    return { ok: false, code: 'MISSING' };
  }
  const bearer = BEARER.exec(header);
  if (bearer !== null) {
    return fromParsed(bearer[1], format);
  }
  const basic = BASIC.exec(header);
  if (basic === null) {
    return { ok: false, code: 'MALFORMED' };
  }
  const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return { ok: false, code: 'MALFORMED' };
  }
  const presented = fromParsed(decoded.slice(colon + 1), format);
  if (presented.ok && presented.keyId !== decoded.slice(0, colon)) {
    return { ok: false, code: 'KEY_ID_MISMATCH' };
  }
  return presented;
}

function fromParsed(candidate: string | undefined, format: KeyFormat): PresentedKey {
  const parsed = format.parse(candidate);
  return parsed.ok ? { ok: true, ...parsed.key } : { ok: false, code: 'MALFORMED' };
}

/**
 * The decision for a well-formed key and what the table holds for its id
 * (undefined: no such key, or an item the store could not read). The secret
 * is hashed and compared either way, against a dummy hash when there is no
 * item, so an unknown id costs the CPU a wrong secret does.
 */
export function judgeKey(
  presented: { readonly keyId: string; readonly secret: string },
  stored: StoredKey | undefined,
  now: Date,
  compare: SecretComparison = secretMatchesHash,
): Verdict {
  const { keyId } = presented;
  const secretMatches = compare(presented.secret, stored?.secretHash ?? DUMMY_SECRET_HASH);
  if (stored === undefined) {
    return { valid: false, code: 'NOT_FOUND', keyId };
  }
  if (!secretMatches) {
    return { valid: false, code: 'INVALID_SECRET', keyId };
  }
  if (stored.revokedAt !== undefined) {
    return { valid: false, code: 'REVOKED', keyId };
  }
  // Anything but a finite expiry counts as expired: a corrupt item fails closed.
  if (!Number.isFinite(stored.expiresAt) || isExpired(stored.expiresAt, now)) {
    return { valid: false, code: 'EXPIRED', keyId };
  }
  if (stored.disabledAt !== undefined) {
    return { valid: false, code: 'DISABLED', keyId };
  }
  return { valid: true, ownerId: stored.ownerId, keyId, scopes: stored.scopes };
}
