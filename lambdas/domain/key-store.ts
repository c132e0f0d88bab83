import type { KeyRevocation, StoredKey } from './api-key';
import type { AuditEvent } from './audit-event';
import type { IdempotencyRecord } from './idempotency';
import type { OwnerBudget } from './owner-budget';

/** What Auth0 reports about an owner that keys must follow (lambdas/domain/owner-lifecycle.ts). */
export type OwnerStatus = 'blocked' | 'deleted';

/** What the owner item holds of Auth0's reports: blocked or not, as of which report, and the latest deletion (epoch ms). */
export interface OwnerStatusView {
  readonly blocked?: true;
  readonly statusAtMs?: number;
  readonly deletedAtMs?: number;
}

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
  | { readonly outcome: 'already-revoked' }
  /** The owner's budget of creates and rotations is spent; one is free again in `retryAfterSeconds`. */
  | { readonly outcome: 'rate-limited'; readonly retryAfterSeconds: number }
  /** Auth0 reported the owner blocked, or deleted after the caller's token was issued. */
  | { readonly outcome: 'owner-suspended' }
  /** The Idempotency-Key's record was written first by another request: answer its outcome. */
  | { readonly outcome: 'replayed' }
  /** A change Auth0's report makes, stopped: a newer report about the owner has been applied since. */
  | { readonly outcome: 'owner-changed' };

export type WriteOutcome = WriteResult['outcome'];
export type ResultOf<O extends WriteOutcome> = Extract<WriteResult, { readonly outcome: O }>;

/** What stops a write the owner makes that claims room on the owner item. */
export type OwnerRefusal = ResultOf<'limit-reached' | 'rate-limited' | 'owner-suspended'>;
export type InsertResult = ResultOf<'written' | 'replayed'> | OwnerRefusal;
export type RevokeResult = ResultOf<'written' | 'already-revoked' | 'not-found'>;
export type RotateResult = ResultOf<'written' | 'conflict' | 'replayed'> | OwnerRefusal;
export type UpdateResult = ResultOf<'written' | 'conflict' | 'owner-suspended' | 'owner-changed'>;

export const WRITTEN = { outcome: 'written' } as const;
export const CONFLICT = { outcome: 'conflict' } as const;
export const NOT_FOUND = { outcome: 'not-found' } as const;
export const ALREADY_REVOKED = { outcome: 'already-revoked' } as const;
export const REPLAYED = { outcome: 'replayed' } as const;
export const OWNER_SUSPENDED = { outcome: 'owner-suspended' } as const;
export const OWNER_CHANGED = { outcome: 'owner-changed' } as const;
export const limitReached = (limit: number): ResultOf<'limit-reached'> => ({ outcome: 'limit-reached', limit });
export const rateLimited = (retryAfterSeconds: number): ResultOf<'rate-limited'> => ({ outcome: 'rate-limited', retryAfterSeconds });

/**
 * What a write the owner makes must also respect on the owner item, beside the key limit.
 * Left out (tools, tests of other rules): no budget, and a token issued at the epoch.
 */
export interface OwnerChecks {
  /** The owner's budget of creates and rotations, which the write spends one of. */
  readonly budget?: OwnerBudget | undefined;
  /** When the caller's token was issued, epoch milliseconds (Auth0's `iat`). */
  readonly tokenIssuedAtMs?: number | undefined;
  /** Written with the change, only if no live record has its id (else `replayed`). */
  readonly idempotency?: IdempotencyRecord | undefined;
}

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
  readonly checks?: OwnerChecks | undefined;
}

/**
 * A rename and/or enable/disable, applied only while the key still has the
 * `expected` name and state and is not revoked; otherwise `conflict`.
 */
export interface KeyUpdate {
  readonly ownerId: string;
  readonly keyId: string;
  /** `name` unset: whatever the name (a change Auth0's report makes pauses a key, whatever its owner calls it). */
  readonly expected: { readonly name?: string | undefined; readonly disabled: boolean };
  /** Unset: the name stays. */
  readonly name?: string | undefined;
  /** ISO-8601 to disable; null to enable; unset: the state stays. */
  readonly disabledAt?: string | null | undefined;
  /** With a disable: who paused it, when not the owner (an Auth0 block, so an unblock re-enables only those). */
  readonly disabledBy?: string | undefined;
  /** With an enable, or `keepPausedByOwner`: only if the key was paused by this (unset: whoever paused it). */
  readonly expectedDisabledBy?: string | undefined;
  /** The owner pauses a key Auth0 had paused: it stays disabled, now as the owner's own pause (no unblock resumes it). */
  readonly keepPausedByOwner?: boolean | undefined;
  /** With an enable the owner asks for: their token's issue time, so an owner Auth0 blocked cannot (owner-status.ts). */
  readonly tokenIssuedAtMs?: number | undefined;
  /** With a change Auth0's report makes: only while that report (its time, epoch ms) is still the last applied. */
  readonly asOfOwnerStatusAtMs?: number | undefined;
  readonly events: readonly AuditEvent[];
}

/**
 * What the domain needs from storage (implemented by lambdas/store/key-repository.ts).
 * Every change is written together with its audit event, or not at all.
 */
export interface KeyStore {
  /** Strongly consistent, so a revocation is seen by the very next read. */
  getKey(keyId: string): Promise<StoredKey | undefined>;
  /** Inserts the key unless its owner already has `limit` active keys (unrevoked, unexpired at `now`), or `checks` refuse. */
  insertKey(key: StoredKey, limit: number, now: Date, event: AuditEvent, checks?: OwnerChecks): Promise<InsertResult>;
  /** One page of the owner's keys, newest first, without secret hashes. */
  listKeys(ownerId: string, page: PageRequest): Promise<KeyPage>;
  /**
   * `not-found` for a missing key and for another owner's alike; a repeat writes no event.
   * The key's record is then kept until `purgeAt` (epoch seconds) at the latest, with `revocation` (why) when given.
   */
  revokeKey(
    ownerId: string,
    keyId: string,
    at: Date,
    event: AuditEvent,
    purgeAt: number,
    revocation?: KeyRevocation,
  ): Promise<RevokeResult>;
  rotateKey(rotation: KeyRotation, now: Date): Promise<RotateResult>;
  updateKey(update: KeyUpdate): Promise<UpdateResult>;
  /** One page of a key's events, newest first. */
  listEvents(keyId: string, page: PageRequest): Promise<EventPage>;
  /** What the owner item holds of Auth0's reports. */
  ownerStatus(ownerId: string): Promise<OwnerStatusView>;
  /**
   * Records Auth0's report as of `atMs`: a block, an unblock (undefined) or a deletion, unless a later one
   * of its kind is recorded (`stale`); a deletion also ends an older block.
   */
  recordOwnerStatus(ownerId: string, status: OwnerStatus | undefined, atMs: number): Promise<'recorded' | 'stale'>;
  /** An Idempotency-Key's record by its id, while it is live at `now`. */
  getIdempotencyRecord(recordId: string, now: Date): Promise<IdempotencyRecord | undefined>;
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
