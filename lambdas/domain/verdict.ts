import type { StoredKey } from './api-key';
import { isExpired } from './api-key';
import type { AccessTokenClaims } from './access-token';
import { basicCredentials } from './basic-credentials';
import type { KeyFormat } from './key-format';
import { isStormpathKeyId, isStormpathSecret } from './key-ids';
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
  | 'INSUFFICIENT_SCOPE'
  /** An access token (`POST /oauth/token`) that is not one of ours: tampered with, or signed with a key the set does not have. */
  | 'INVALID_TOKEN'
  /** An access token past its own expiry (its key may still be valid: exchange it again). */
  | 'TOKEN_EXPIRED';

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

/** What an Authorization header carries: a key (native or imported), or an access token still to be checked. */
export type PresentedCredential = PresentedKey | { readonly ok: true; readonly token: string };

const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * Reads `Authorization: Bearer <key>`, `Bearer <access token>` (whose
 * `marker` prefix is all that is checked here), or Basic credentials:
 * `base64(<keyId>:<key>)`, or an imported Stormpath pair as Stormpath
 * clients send it, `base64(<Stormpath id>:<Stormpath secret>)`. Never throws.
 */
export function readPresentedCredential(header: string | undefined, format: KeyFormat, tokenMarker?: string): PresentedCredential {
  const bearer = header === undefined ? null : BEARER.exec(header);
  const token = bearer?.[1];
  if (tokenMarker !== undefined && token?.startsWith(tokenMarker) === true) return { ok: true, token };
  return readPresentedKey(header, format);
}

/** As readPresentedCredential, for keys alone (what the token exchange authenticates clients with). */
export function readPresentedKey(header: string | undefined, format: KeyFormat): PresentedKey {
  if (header === undefined || header === '') {
    return { ok: false, code: 'MISSING' };
  }
  const bearer = BEARER.exec(header);
  if (bearer !== null) {
    return fromParsed(bearer[1], format);
  }
  const basic = basicCredentials(header);
  return basic.ok ? presentedPair(basic.user, basic.password, format) : { ok: false, code: 'MALFORMED' };
}

/**
 * A client id and secret: an imported Stormpath pair as it is, or a native
 * key's id and the whole key (which must name that id). Nothing else is a
 * key, so nothing else is looked up.
 */
export function presentedPair(id: string, secret: string, format: KeyFormat): PresentedKey {
  if (isStormpathKeyId(id)) {
    return isStormpathSecret(secret) ? { ok: true, keyId: id, secret } : { ok: false, code: 'MALFORMED' };
  }
  const presented = fromParsed(secret, format);
  if (presented.ok && presented.keyId !== id) {
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

/**
 * The decision for an access token whose MAC and expiry passed, and what the
 * table holds for its key now: the token dies with its key (revoked,
 * disabled, expired or rotated past its grace period). It grants the scopes
 * it was issued with that the key still has.
 */
export function judgeToken(claims: AccessTokenClaims, stored: StoredKey | undefined, now: Date): Verdict {
  const { keyId } = claims;
  if (stored === undefined) return { valid: false, code: 'NOT_FOUND', keyId };
  if (stored.revokedAt !== undefined) return { valid: false, code: 'REVOKED', keyId };
  if (!Number.isFinite(stored.expiresAt) || isExpired(stored.expiresAt, now)) return { valid: false, code: 'EXPIRED', keyId };
  if (stored.disabledAt !== undefined) return { valid: false, code: 'DISABLED', keyId };
  return { valid: true, ownerId: stored.ownerId, keyId, scopes: claims.scopes.filter((scope) => stored.scopes.includes(scope)) };
}
