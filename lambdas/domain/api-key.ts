import { keyOrigin, type KeyOrigin } from './key-ids';

/** An API key as stored: never the secret itself, only its SHA-256. */
export interface StoredKey {
  readonly keyId: string;
  readonly ownerId: string;
  readonly secretHash: string;
  readonly name: string;
  readonly scopes: readonly string[];
  /** ISO-8601 */
  readonly createdAt: string;
  /**
   * Epoch seconds; also the table's TTL attribute. A rotation moves it forward
   * to the end of the grace period, so every check of expiry covers that too.
   */
  readonly expiresAt: number;
  /**
   * When the token that made the key (by a create or a rotation) was issued, epoch ms: a deletion revokes the
   * keys made with tokens from before it, never a re-created user's (lambdas/domain/owner-lifecycle.ts).
   * Absent on keys made before it was kept, and on imported ones: those are the old user's.
   */
  readonly creatorTokenIssuedAtMs?: number;
  /** ISO-8601; present once revoked. The item stays as a tombstone until TTL removes it. */
  readonly revokedAt?: string;
  /** Why it was revoked, when it was not its owner's or support's doing: found in public (GitHub secret scanning). */
  readonly revocation?: KeyRevocation;
  /** ISO-8601; present while the key is paused (by its owner, or for them: see disabledBy). */
  readonly disabledAt?: string;
  /** Who paused the key when it was not its owner: `auth0:user.blocked` (an unblock enables only those). */
  readonly disabledBy?: string;
  /** ISO-8601; present once the key was rotated, with the id of the key that replaced it. */
  readonly rotatedAt?: string;
  readonly replacedBy?: string;
  /** The key this one replaced, when it was made by a rotation. */
  readonly rotatedFrom?: string;
  /** ISO-8601 */
  readonly lastUsedAt?: string;
  /**
   * Set on the native keys that replaced an imported one, generation after
   * generation: the store counts them with the imported keys
   * (lambdas/store/imported-slots.ts), so no rotation is stopped by the limit.
   */
  readonly countsAsImported?: boolean;
}

/**
 * A revocation that explains itself to the key's owner (GET /keys/{id}, the CLI): GitHub found the key in
 * public at `url` (`source`: where in GitHub, e.g. `commit`, `issue_comment`, `npm`).
 */
export interface KeyRevocation {
  readonly cause: 'leaked';
  readonly url: string;
  readonly source: string;
}

/**
 * - `active`:   works
 * - `disabled`: paused by its owner; refused until enabled again
 * - `rotated`:  replaced, and its grace period is over
 * - `expired`:  past its expiry
 * - `revoked`:  refused for good
 */
export type KeyStatus = 'active' | 'disabled' | 'rotated' | 'expired' | 'revoked';
export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'disabled', 'rotated', 'expired', 'revoked'];

export function isExpired(expiresAt: number, now: Date): boolean {
  return now.getTime() >= expiresAt * 1000;
}

export function keyStatus(key: Pick<StoredKey, 'expiresAt' | 'revokedAt' | 'disabledAt' | 'replacedBy'>, now: Date): KeyStatus {
  if (key.revokedAt !== undefined) return 'revoked';
  if (isExpired(key.expiresAt, now)) return key.replacedBy !== undefined ? 'rotated' : 'expired';
  return key.disabledAt !== undefined ? 'disabled' : 'active';
}

/** What an owner sees of a key: no secret, no hash. */
export interface KeyView {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly status: KeyStatus;
  readonly enabled: boolean;
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
  /** Set when the key was revoked because it was found in public, with where. */
  readonly revocation?: KeyRevocation;
  readonly disabledAt?: string;
  readonly rotatedAt?: string;
  readonly replacedBy?: string;
  readonly rotatedFrom?: string;
  /** Set when the key was imported (from a Stormpath export) rather than made here. */
  readonly origin?: KeyOrigin;
}

export function toKeyView(key: Omit<StoredKey, 'secretHash'>, now: Date): KeyView {
  const optional = (name: 'lastUsedAt' | 'revokedAt' | 'disabledAt' | 'rotatedAt' | 'replacedBy' | 'rotatedFrom') =>
    key[name] !== undefined ? { [name]: key[name] } : {};
  const origin = keyOrigin(key.keyId);
  return {
    id: key.keyId,
    name: key.name,
    scopes: key.scopes,
    createdAt: key.createdAt,
    expiresAt: new Date(key.expiresAt * 1000).toISOString(),
    status: keyStatus(key, now),
    enabled: key.disabledAt === undefined,
    ...optional('lastUsedAt'),
    ...optional('revokedAt'),
    ...(key.revocation !== undefined ? { revocation: { ...key.revocation } } : {}),
    ...optional('disabledAt'),
    ...optional('rotatedAt'),
    ...optional('replacedBy'),
    ...optional('rotatedFrom'),
    ...(origin !== undefined ? { origin } : {}),
  };
}
