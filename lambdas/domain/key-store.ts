import type { StoredKey } from './api-key';
import type { AuditEvent } from './audit-event';

/** A key as listed through the owner index: everything but the secret hash. */
export type KeySummary = Omit<StoredKey, 'secretHash'>;

export interface PageRequest {
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string | undefined;
}

export interface KeyPage {
  readonly keys: KeySummary[];
  readonly nextCursor?: string;
}

export interface EventPage {
  readonly events: AuditEvent[];
  readonly nextCursor?: string;
}

/**
 * What a write did. Expected outcomes are values; only faults (the store
 * unreachable, throttled...) are thrown. Each write answers the subset it can
 * produce, so a caller's `switch` covers exactly those.
 */
export type WriteResult =
  | { readonly outcome: 'written' }
  /** The owner already holds `limit` active keys. */
  | { readonly outcome: 'limit-reached'; readonly limit: number }
  /** The key is no longer as the domain judged it (revoked, rotated, expired, renamed, someone else's...). */
  | { readonly outcome: 'conflict' }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'already-revoked' };

export type WriteOutcome = WriteResult['outcome'];
export type ResultOf<O extends WriteOutcome> = Extract<WriteResult, { readonly outcome: O }>;

export type InsertResult = ResultOf<'written' | 'limit-reached'>;
export type RevokeResult = ResultOf<'written' | 'already-revoked' | 'not-found'>;
export type RotateResult = ResultOf<'written' | 'limit-reached' | 'conflict'>;
export type UpdateResult = ResultOf<'written' | 'conflict'>;

export const WRITTEN = { outcome: 'written' } as const;
export const CONFLICT = { outcome: 'conflict' } as const;
export const NOT_FOUND = { outcome: 'not-found' } as const;
export const ALREADY_REVOKED = { outcome: 'already-revoked' } as const;
export const limitReached = (limit: number): ResultOf<'limit-reached'> => ({ outcome: 'limit-reached', limit });

/**
 * A rotation, applied all at once: the old key's expiry moves to the end of
 * the grace period, the new key is put, both events are written. It applies
 * only while the old key is still as the domain judged it (owned, not
 * revoked, not rotated, unexpired); otherwise the store answers `conflict`, and
 * `limit-reached` when the owner is at `activeKeyCap`.
 */
export interface KeyRotation {
  /** `expiresAt`: the old key's own, before the rotation (an imported key's count is found by it). */
  readonly oldKey: Pick<StoredKey, 'keyId' | 'ownerId' | 'expiresAt' | 'countsAsImported'>;
  readonly newKey: StoredKey;
  /** ISO-8601 */
  readonly rotatedAt: string;
  /** Epoch seconds: the old key's new expiry. */
  readonly graceEndsAt: number;
  /** The owner may hold this many active keys while old ones run out their grace. */
  readonly activeKeyCap: number;
  readonly events: readonly AuditEvent[];
}

/**
 * A rename and/or enable/disable, applied only while the key still has the
 * `expected` name and state and is not revoked; otherwise `conflict`.
 */
export interface KeyUpdate {
  readonly ownerId: string;
  readonly keyId: string;
  readonly expected: { readonly name: string; readonly disabled: boolean };
  /** Unset: the name stays. */
  readonly name?: string | undefined;
  /** ISO-8601 to disable; null to enable; unset: the state stays. */
  readonly disabledAt?: string | null | undefined;
  readonly events: readonly AuditEvent[];
}

/**
 * What the domain needs from storage (implemented by lambdas/store/key-repository.ts).
 * Every change is written together with its audit event, or not at all.
 */
export interface KeyStore {
  /** Strongly consistent, so a revocation is seen by the very next read. */
  getKey(keyId: string): Promise<StoredKey | undefined>;
  /** Inserts the key unless its owner already has `limit` active keys (unrevoked, unexpired at `now`). */
  insertKey(key: StoredKey, limit: number, now: Date, event: AuditEvent): Promise<InsertResult>;
  /** One page of the owner's keys, newest first, without secret hashes. */
  listKeys(ownerId: string, page: PageRequest): Promise<KeyPage>;
  /** `not-found` for a missing key and for another owner's alike; a repeat writes no event. */
  revokeKey(ownerId: string, keyId: string, at: Date, event: AuditEvent): Promise<RevokeResult>;
  rotateKey(rotation: KeyRotation, now: Date): Promise<RotateResult>;
  updateKey(update: KeyUpdate): Promise<UpdateResult>;
  /** One page of a key's events, newest first. */
  listEvents(keyId: string, page: PageRequest): Promise<EventPage>;
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
