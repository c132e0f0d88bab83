/** An API key as stored: never the secret itself, only its SHA-256. */
export interface StoredKey {
  readonly keyId: string;
  readonly ownerId: string;
  readonly secretHash: string;
  readonly name: string;
  readonly scopes: readonly string[];
  /** ISO-8601 */
  readonly createdAt: string;
  /** Epoch seconds; also the table's TTL attribute. */
  readonly expiresAt: number;
  /** ISO-8601; present once revoked. The item stays as a tombstone until TTL removes it. */
  readonly revokedAt?: string;
  /** ISO-8601 */
  readonly lastUsedAt?: string;
}

export type KeyStatus = 'active' | 'expired' | 'revoked';

export function isExpired(expiresAt: number, now: Date): boolean {
  return now.getTime() >= expiresAt * 1000;
}

export function keyStatus(key: Pick<StoredKey, 'expiresAt' | 'revokedAt'>, now: Date): KeyStatus {
  if (key.revokedAt !== undefined) {
    return 'revoked';
  }
  return isExpired(key.expiresAt, now) ? 'expired' : 'active';
}

/** What an owner sees of a key: no secret, no hash. */
export interface KeyView {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly status: KeyStatus;
  readonly lastUsedAt?: string;
}

export function toKeyView(key: Omit<StoredKey, 'secretHash'>, now: Date): KeyView {
  return {
    id: key.keyId,
    name: key.name,
    scopes: key.scopes,
    createdAt: key.createdAt,
    expiresAt: new Date(key.expiresAt * 1000).toISOString(),
    status: keyStatus(key, now),
    ...(key.lastUsedAt !== undefined ? { lastUsedAt: key.lastUsedAt } : {}),
  };
}
