import type { KeyRevocation, StoredKey } from '../../lambdas/domain/api-key';
import { isExpired } from '../../lambdas/domain/api-key';
import type { AuditEvent } from '../../lambdas/domain/audit-event';
import { DependencyUnavailableError, ValidationError } from '../../lambdas/domain/errors';
import type { IdempotencyRecord } from '../../lambdas/domain/idempotency';
import { decide } from '../../lambdas/domain/owner-budget';
import {
  ALREADY_REVOKED,
  CONFLICT,
  limitReached,
  NOT_FOUND,
  OWNER_CHANGED,
  OWNER_SUSPENDED,
  rateLimited,
  REPLAYED,
  WRITTEN,
  type OwnerChecks,
  type OwnerRefusal,
  type OwnerStatus,
  type OwnerStatusView,
  type EventPage,
  type InsertResult,
  type KeyPage,
  type KeyRotation,
  type KeyStore,
  type KeyUpdate,
  type PageRequest,
  type RevokeResult,
  type RotateResult,
  type UpdateResult,
} from '../../lambdas/domain/key-store';

type Operation = keyof KeyStore;

/** An event as written: `position` orders the events of one change, `sequence` all writes. */
interface WrittenEvent {
  readonly event: AuditEvent;
  readonly position: number;
  readonly sequence: number;
}

/**
 * A KeyStore in memory, held to the same contract as DynamoKeyStore
 * (test/support/key-store-contract.ts runs against both):
 *
 * - insertKey answers `limit-reached` when the owner already has `limit`
 *   active keys (not revoked, not expired at `now`; keys in a grace period
 *   count until it ends);
 * - revokeKey answers `not-found` for a missing key and for another owner's,
 *   `already-revoked` the second time (writing no event), `written` otherwise;
 * - rotateKey and updateKey apply only while the key is as the domain judged
 *   it, else `conflict` (which wins over `limit-reached`, as in DynamoDB);
 * - listKeys is newest first (by createdAt), without hashes; listEvents is
 *   newest first (by time, then by position within one change); a full page
 *   carries a cursor (as DynamoDB's does), bound to its owner or key.
 *
 * For tests: `failNext(error)` makes the next call (optionally of one operation)
 * reject with `error`; `getKeyCalls` counts reads; `seed` puts a key in directly.
 */
export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, StoredKey>();
  private readonly pendingFailures: { error: unknown; operation?: Operation }[] = [];
  private readonly insertionOrder = new Map<string, number>();
  private readonly written: WrittenEvent[] = [];
  private sequence = 0;
  private readonly owners = new Map<string, { blocked?: true; statusAtMs?: number; deletedAtMs?: number; tatMs?: number }>();
  private readonly idempotencyRecords = new Map<string, IdempotencyRecord>();

  /** How many times getKey was called (the authorizer's only database read). */
  getKeyCalls = 0;

  /** Every audit event written, oldest first. */
  get events(): readonly AuditEvent[] {
    return this.written.map((entry) => entry.event);
  }

  /** The next call (of `operation`, or of any operation) rejects with `error`; queued in order. */
  failNext(error: unknown, operation?: Operation): this {
    this.pendingFailures.push(operation === undefined ? { error } : { error, operation });
    return this;
  }

  /** Puts a key in as is, bypassing the limit (e.g. to set up revoked or expired keys). */
  seed(key: StoredKey): this {
    this.store(key);
    return this;
  }

  /** What the store holds for an id, as stored (a copy). */
  peek(keyId: string): StoredKey | undefined {
    const key = this.keys.get(keyId);
    return key === undefined ? undefined : copy(key);
  }

  get size(): number {
    return this.keys.size;
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    this.getKeyCalls += 1;
    await this.turn('getKey');
    return this.peek(keyId);
  }

  async insertKey(key: StoredKey, limit: number, now: Date, event: AuditEvent, checks?: OwnerChecks): Promise<InsertResult> {
    await this.turn('insertKey');
    if (this.isRecorded(checks, now)) return REPLAYED;
    const refused =
      this.ownerRefusal(key.ownerId, checks, now) ?? (this.activeCount(key.ownerId, now) >= limit ? limitReached(limit) : undefined);
    if (refused !== undefined) return refused;
    this.refuseDuplicate(key.keyId);
    this.spend(key.ownerId, checks, now);
    this.store(key);
    this.record([event]);
    return WRITTEN;
  }

  async rotateKey(rotation: KeyRotation, now: Date): Promise<RotateResult> {
    await this.turn('rotateKey');
    // As in DynamoDB's transaction: when the Idempotency-Key's record is there, that decides, whatever the old key's state
    // (a concurrent rotation with the same key has just rotated it).
    if (this.isRecorded(rotation.checks, now)) return REPLAYED;
    const old = this.keys.get(rotation.oldKey.keyId);
    if (
      old?.ownerId !== rotation.oldKey.ownerId ||
      old.revokedAt !== undefined ||
      old.replacedBy !== undefined ||
      isExpired(old.expiresAt, now)
    ) {
      return CONFLICT;
    }
    const refused =
      this.ownerRefusal(old.ownerId, rotation.checks, now) ??
      (this.activeCount(old.ownerId, now) >= rotation.activeKeyCap ? limitReached(rotation.activeKeyCap) : undefined);
    if (refused !== undefined) return refused;
    this.refuseDuplicate(rotation.newKey.keyId);
    this.spend(old.ownerId, rotation.checks, now);
    this.keys.set(old.keyId, { ...old, expiresAt: rotation.graceEndsAt, rotatedAt: rotation.rotatedAt, replacedBy: rotation.newKey.keyId });
    this.store(rotation.newKey);
    this.record(rotation.events);
    return WRITTEN;
  }

  async updateKey(update: KeyUpdate): Promise<UpdateResult> {
    await this.turn('updateKey');
    const key = this.keys.get(update.keyId);
    if (
      key?.ownerId !== update.ownerId ||
      key.revokedAt !== undefined ||
      (update.expected.name !== undefined && key.name !== update.expected.name) ||
      (key.disabledAt !== undefined) !== update.expected.disabled ||
      (update.expectedDisabledBy !== undefined && key.disabledBy !== update.expectedDisabledBy)
    ) {
      return CONFLICT;
    }
    if (update.disabledAt === null && update.tokenIssuedAtMs !== undefined && this.suspended(key.ownerId, update.tokenIssuedAtMs)) {
      return OWNER_SUSPENDED;
    }
    if (update.asOfOwnerStatusAtMs !== undefined && this.owners.get(key.ownerId)?.statusAtMs !== update.asOfOwnerStatusAtMs) {
      return OWNER_CHANGED;
    }
    const { disabledAt, disabledBy, ...rest } = key;
    const next = update.disabledAt === undefined ? disabledAt : (update.disabledAt ?? undefined);
    const by =
      update.keepPausedByOwner === true
        ? undefined
        : update.disabledAt === undefined
          ? disabledBy
          : update.disabledAt === null
            ? undefined
            : update.disabledBy;
    this.keys.set(key.keyId, {
      ...rest,
      name: update.name ?? key.name,
      ...(next !== undefined ? { disabledAt: next } : {}),
      ...(by !== undefined ? { disabledBy: by } : {}),
    });
    this.record(update.events);
    return WRITTEN;
  }

  async revokeKey(
    ownerId: string,
    keyId: string,
    at: Date,
    event: AuditEvent,
    purgeAt: number,
    revocation?: KeyRevocation,
  ): Promise<RevokeResult> {
    await this.turn('revokeKey');
    const existing = this.keys.get(keyId);
    if (existing?.ownerId !== ownerId) return NOT_FOUND;
    if (existing.revokedAt !== undefined) return ALREADY_REVOKED;
    this.keys.set(keyId, {
      ...existing,
      revokedAt: at.toISOString(),
      expiresAt: Math.min(existing.expiresAt, purgeAt),
      ...(revocation !== undefined ? { revocation } : {}),
    });
    this.record([event]);
    return WRITTEN;
  }

  async listKeys(ownerId: string, page: PageRequest): Promise<KeyPage> {
    await this.turn('listKeys');
    const all = [...this.keys.values()]
      .filter((key) => key.ownerId === ownerId)
      .sort(
        (a, b) =>
          b.createdAt.localeCompare(a.createdAt) || (this.insertionOrder.get(b.keyId) ?? 0) - (this.insertionOrder.get(a.keyId) ?? 0),
      )
      .map(({ secretHash: _hidden, ...summary }) => ({ ...summary, scopes: [...summary.scopes] }));
    const { items: keys, nextCursor } = pageOf(all, page, `owner:${ownerId}`, 'your keys');
    return nextCursor === undefined ? { keys } : { keys, nextCursor };
  }

  async listEvents(keyId: string, page: PageRequest): Promise<EventPage> {
    await this.turn('listEvents');
    const all = this.written
      .filter((entry) => entry.event.keyId === keyId)
      .sort((a, b) => b.event.at.localeCompare(a.event.at) || b.position - a.position || b.sequence - a.sequence)
      .map((entry) => entry.event);
    const { items: events, nextCursor } = pageOf(all, page, `key:${keyId}`, "this key's events");
    return nextCursor === undefined ? { events } : { events, nextCursor };
  }

  async ownerStatus(ownerId: string): Promise<OwnerStatusView> {
    await this.turn('ownerStatus');
    const { blocked, statusAtMs, deletedAtMs } = this.owners.get(ownerId) ?? {};
    return {
      ...(blocked !== undefined ? { blocked } : {}),
      ...(statusAtMs !== undefined ? { statusAtMs } : {}),
      ...(deletedAtMs !== undefined ? { deletedAtMs } : {}),
    };
  }

  /** As owner-status.ts: blocks and unblocks ordered by their time, deletions by theirs; a deletion ends an older block. */
  async recordOwnerStatus(ownerId: string, status: OwnerStatus | undefined, atMs: number): Promise<'recorded' | 'stale'> {
    await this.turn('recordOwnerStatus');
    const owner = this.owners.get(ownerId) ?? {};
    if (status === 'deleted') {
      if (owner.deletedAtMs !== undefined && owner.deletedAtMs > atMs) return 'stale';
      const { blocked: _ended, ...rest } = owner;
      const endsBlock = owner.statusAtMs === undefined || owner.statusAtMs <= atMs;
      this.owners.set(ownerId, endsBlock ? { ...rest, statusAtMs: atMs, deletedAtMs: atMs } : { ...owner, deletedAtMs: atMs });
      return 'recorded';
    }
    if (owner.statusAtMs !== undefined && owner.statusAtMs > atMs) return 'stale';
    const { blocked: _was, ...rest } = owner;
    this.owners.set(ownerId, { ...rest, statusAtMs: atMs, ...(status === 'blocked' ? { blocked: true as const } : {}) });
    return 'recorded';
  }

  async getIdempotencyRecord(recordId: string, now: Date): Promise<IdempotencyRecord | undefined> {
    await this.turn('getIdempotencyRecord');
    const record = this.idempotencyRecords.get(recordId);
    return record !== undefined && record.expiresAt > now.getTime() / 1000 ? record : undefined;
  }

  /** Whether the write's Idempotency-Key record is already there (live): the write then makes nothing. */
  private isRecorded(checks: OwnerChecks | undefined, now: Date): boolean {
    const record = checks?.idempotency;
    if (record === undefined) return false;
    const existing = this.idempotencyRecords.get(record.recordId);
    return existing !== undefined && existing.expiresAt > now.getTime() / 1000;
  }

  private ownerRefusal(ownerId: string, checks: OwnerChecks | undefined, now: Date): OwnerRefusal | undefined {
    if (this.suspended(ownerId, checks?.tokenIssuedAtMs ?? 0)) return OWNER_SUSPENDED;
    if (checks?.budget === undefined) return undefined;
    const decision = decide(checks.budget, this.owners.get(ownerId)?.tatMs, now);
    return decision.kind === 'refused' ? rateLimited(decision.retryAfterSeconds) : undefined;
  }

  private suspended(ownerId: string, tokenIssuedAtMs: number): boolean {
    const { blocked, deletedAtMs } = this.owners.get(ownerId) ?? {};
    return blocked === true || (deletedAtMs !== undefined && deletedAtMs >= tokenIssuedAtMs);
  }

  /** Spends one of the owner's budget and keeps the write's Idempotency-Key record, as the write's transaction does. */
  private spend(ownerId: string, checks: OwnerChecks | undefined, now: Date): void {
    if (checks?.idempotency !== undefined) this.idempotencyRecords.set(checks.idempotency.recordId, checks.idempotency);
    if (checks?.budget === undefined) return;
    const decision = decide(checks.budget, this.owners.get(ownerId)?.tatMs, now);
    if (decision.kind !== 'claim') return;
    const claim = decision.claim;
    const owner = this.owners.get(ownerId) ?? {};
    const tatMs = claim.kind === 'fresh' ? claim.nextTatMs : (owner.tatMs ?? claim.nowMs) + claim.intervalMs;
    this.owners.set(ownerId, { ...owner, tatMs });
  }

  /** Active: neither revoked nor expired (keys in a grace period count until it ends). */
  private activeCount(ownerId: string, now: Date): number {
    return [...this.keys.values()].filter(
      (existing) => existing.ownerId === ownerId && existing.revokedAt === undefined && !isExpired(existing.expiresAt, now),
    ).length;
  }

  private refuseDuplicate(keyId: string): void {
    if (this.keys.has(keyId)) {
      // DynamoKeyStore's conditional Put fails, and it reports a store fault.
      throw new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE');
    }
  }

  private record(events: readonly AuditEvent[]): void {
    events.forEach((event, position) => {
      this.sequence += 1;
      this.written.push({ event, position, sequence: this.sequence });
    });
  }

  private store(key: StoredKey): void {
    this.sequence += 1;
    this.insertionOrder.set(key.keyId, this.sequence);
    this.keys.set(key.keyId, copy(key));
  }

  /** Every call yields once, as a real store's would, and rejects when a failure was queued for it. */
  private async turn(operation: Operation): Promise<void> {
    await Promise.resolve();
    const index = this.pendingFailures.findIndex((failure) => failure.operation === undefined || failure.operation === operation);
    if (index < 0) return;
    const [failure] = this.pendingFailures.splice(index, 1);
    throw failure?.error;
  }
}

/**
 * One page from an offset. The cursor says which list it belongs to, so it
 * works only there (as DynamoKeyStore's does); a full page carries one even
 * at the very end, as DynamoDB's LastEvaluatedKey does.
 */
function pageOf<T>(all: readonly T[], page: PageRequest, list: string, what: string): { items: T[]; nextCursor?: string } {
  const start = page.cursor === undefined ? 0 : offsetIn(page.cursor, list, what);
  const items = all.slice(start, start + page.limit);
  return items.length === page.limit
    ? { items, nextCursor: Buffer.from(`${list}@${start + page.limit}`).toString('base64url') }
    : { items };
}

function offsetIn(cursor: string, list: string, what: string): number {
  const decoded = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const at = decoded.lastIndexOf('@');
  const offset = Number(decoded.slice(at + 1));
  if (at < 0 || decoded.slice(0, at) !== list || !Number.isSafeInteger(offset) || offset < 0) {
    throw new ValidationError(`cursor is not one this API gave you for ${what}`, 'INVALID_CURSOR');
  }
  return offset;
}

function copy(key: StoredKey): StoredKey {
  return { ...key, scopes: [...key.scopes] };
}
