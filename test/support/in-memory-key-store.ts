import type { StoredKey } from '../../lambdas/domain/api-key';
import { isExpired } from '../../lambdas/domain/api-key';
import type { AuditEvent } from '../../lambdas/domain/audit-event';
import { KeyLimitReachedError, DependencyUnavailableError } from '../../lambdas/domain/errors';
import type { EventPage, KeyPage, KeyRotation, KeyStore, KeyUpdate, PageRequest, RevokeOutcome } from '../../lambdas/domain/key-store';

type Operation = keyof KeyStore;

/**
 * A KeyStore in memory, with the semantics of DynamoKeyStore
 * (lambdas/store/key-repository.ts):
 *
 * - insertKey refuses with KeyLimitReachedError when the owner already has
 *   `limit` active keys (not revoked, not expired at `now`);
 * - listKeys returns the owner's keys newest first (by createdAt), without hashes;
 * - revokeKey answers 'not-found' for a missing key and for another owner's,
 *   'already-revoked' the second time, 'revoked' otherwise;
 * - rotateKey and updateKey apply only while the key is as the domain judged
 *   it, else 'conflict'; rotateKey counts keys in their grace period toward
 *   the cap; every change writes its events, newest first in listEvents.
 *
 * For tests: `failNext(error)` makes the next call (optionally of one operation)
 * reject with `error`; `getKeyCalls` counts reads; `seed` puts a key in directly.
 */
export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, StoredKey>();
  private readonly pendingFailures: { error: unknown; operation?: Operation }[] = [];
  private insertions = 0;
  private readonly insertionOrder = new Map<string, number>();
  /** Every audit event written, oldest first. */
  readonly events: AuditEvent[] = [];

  /** How many times getKey was called (the authorizer's only database read). */
  getKeyCalls = 0;

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
    this.throwIfFailing('getKey');
    return this.peek(keyId);
  }

  async insertKey(key: StoredKey, limit: number, now: Date, event: AuditEvent): Promise<void> {
    this.throwIfFailing('insertKey');
    this.refuseOverLimit(key.ownerId, limit, now);
    this.refuseDuplicate(key.keyId);
    this.store(key);
    this.events.push(event);
  }

  async rotateKey(rotation: KeyRotation, now: Date): Promise<'rotated' | 'conflict'> {
    this.throwIfFailing('rotateKey');
    this.refuseOverLimit(rotation.oldKey.ownerId, rotation.activeKeyCap, now);
    const old = this.keys.get(rotation.oldKey.keyId);
    if (
      old === undefined ||
      old.ownerId !== rotation.oldKey.ownerId ||
      old.revokedAt !== undefined ||
      old.replacedBy !== undefined ||
      isExpired(old.expiresAt, now)
    ) {
      return 'conflict';
    }
    this.refuseDuplicate(rotation.newKey.keyId);
    this.keys.set(old.keyId, { ...old, expiresAt: rotation.graceEndsAt, rotatedAt: rotation.rotatedAt, replacedBy: rotation.newKey.keyId });
    this.store(rotation.newKey);
    this.events.push(...rotation.events);
    return 'rotated';
  }

  async updateKey(update: KeyUpdate): Promise<'updated' | 'conflict'> {
    this.throwIfFailing('updateKey');
    const key = this.keys.get(update.keyId);
    if (
      key === undefined ||
      key.ownerId !== update.ownerId ||
      key.revokedAt !== undefined ||
      key.name !== update.expected.name ||
      (key.disabledAt !== undefined) !== update.expected.disabled
    ) {
      return 'conflict';
    }
    const { disabledAt, ...rest } = key;
    const next = update.disabledAt === undefined ? disabledAt : (update.disabledAt ?? undefined);
    this.keys.set(key.keyId, { ...rest, name: update.name ?? key.name, ...(next !== undefined ? { disabledAt: next } : {}) });
    this.events.push(...update.events);
    return 'updated';
  }

  async listEvents(keyId: string, page: PageRequest): Promise<EventPage> {
    this.throwIfFailing('listEvents');
    const all = this.events.filter((event) => event.keyId === keyId).reverse();
    const start = page.cursor === undefined ? 0 : Number(page.cursor);
    const events = all.slice(start, start + page.limit);
    return start + page.limit < all.length ? { events, nextCursor: String(start + page.limit) } : { events };
  }

  /** Active: neither revoked nor expired (keys in a grace period count until it ends). */
  private refuseOverLimit(ownerId: string, limit: number, now: Date): void {
    const active = [...this.keys.values()].filter(
      (existing) => existing.ownerId === ownerId && existing.revokedAt === undefined && !isExpired(existing.expiresAt, now),
    ).length;
    if (active >= limit) {
      throw new KeyLimitReachedError(limit);
    }
  }

  private refuseDuplicate(keyId: string): void {
    if (this.keys.has(keyId)) {
      // DynamoKeyStore's conditional Put fails, and its wrapper reports a store fault.
      throw new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE');
    }
  }

  async listKeys(ownerId: string, page: PageRequest): Promise<KeyPage> {
    this.throwIfFailing('listKeys');
    const all = [...this.keys.values()]
      .filter((key) => key.ownerId === ownerId)
      .sort(
        (a, b) =>
          b.createdAt.localeCompare(a.createdAt) || (this.insertionOrder.get(b.keyId) ?? 0) - (this.insertionOrder.get(a.keyId) ?? 0),
      )
      .map(({ secretHash: _hidden, ...summary }) => ({ ...summary, scopes: [...summary.scopes] }));
    // The cursor here is simply the offset (the DynamoDB store's is opaque).
    const start = page.cursor === undefined ? 0 : Number(page.cursor);
    const keys = all.slice(start, start + page.limit);
    return start + page.limit < all.length ? { keys, nextCursor: String(start + page.limit) } : { keys };
  }

  async revokeKey(ownerId: string, keyId: string, at: Date, event: AuditEvent): Promise<RevokeOutcome> {
    this.throwIfFailing('revokeKey');
    const existing = this.keys.get(keyId);
    if (existing === undefined || existing.ownerId !== ownerId) {
      return 'not-found';
    }
    if (existing.revokedAt !== undefined) {
      return 'already-revoked';
    }
    this.keys.set(keyId, { ...existing, revokedAt: at.toISOString() });
    this.events.push(event);
    return 'revoked';
  }

  private store(key: StoredKey): void {
    this.insertions += 1;
    this.insertionOrder.set(key.keyId, this.insertions);
    this.keys.set(key.keyId, copy(key));
  }

  private throwIfFailing(operation: Operation): void {
    const index = this.pendingFailures.findIndex((failure) => failure.operation === undefined || failure.operation === operation);
    if (index < 0) return;
    const [failure] = this.pendingFailures.splice(index, 1);
    throw failure?.error;
  }
}

function copy(key: StoredKey): StoredKey {
  return { ...key, scopes: [...key.scopes] };
}
