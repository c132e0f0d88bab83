import type { StoredKey } from './api-key';

/** A key as listed through the owner index: everything but the secret hash. */
export type KeySummary = Omit<StoredKey, 'secretHash'>;

export interface PageRequest {
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface KeyPage {
  readonly keys: KeySummary[];
  readonly nextCursor?: string;
}

export type RevokeOutcome = 'revoked' | 'already-revoked' | 'not-found';

/** What the domain needs from storage (implemented by lambdas/store/key-repository.ts). */
export interface KeyStore {
  /** Strongly consistent, so a revocation is seen by the very next read. */
  getKey(keyId: string): Promise<StoredKey | undefined>;
  /** Inserts the key unless its owner already has `limit` active keys (KeyLimitReachedError). */
  insertKey(key: StoredKey, limit: number, now: Date): Promise<void>;
  /** One page of the owner's keys, newest first, without secret hashes. */
  listKeys(ownerId: string, page: PageRequest): Promise<KeyPage>;
  revokeKey(ownerId: string, keyId: string, at: Date): Promise<RevokeOutcome>;
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
