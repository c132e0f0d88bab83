import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyRevocation, StoredKey } from '../domain/api-key';
import type { AuditEvent } from '../domain/audit-event';
import {
  ALREADY_REVOKED,
  CONFLICT,
  NOT_FOUND,
  OWNER_CHANGED,
  OWNER_SUSPENDED,
  REPLAYED,
  WRITTEN,
  type EventPage,
  type OwnerChecks,
  type OwnerStatus,
  type OwnerStatusView,
  type InsertResult,
  type KeyPage,
  type KeyRotation,
  type KeyStore,
  type KeyUpdate,
  type PageRequest,
  type RevokeResult,
  type RotateResult,
  type UpdateResult,
} from '../domain/key-store';
import { toStoredKey } from './item-mapping';
import { listKeyEvents, listOwnerKeys } from './key-listing';
import { changeKeyItem, claimSlots, putEvents, putNewKey, releaseSlot, retireRotatedKey, revokeKeyItem } from './key-writes';
import { namedTransaction } from './named-transaction';
import { KeyStateConflictError } from '../domain/errors';
import { countsAsImported, importedBucket, withDelta, type ImportedDeltas } from './imported-slots';
import { OWNER_FULL, withinOwnerLimit, type SlotRoom } from './owner-limit';
import { ownerNotSuspendedCheck, ownerStatusStillCheck, readOwnerStatus, recordOwnerStatus } from './owner-status';
import { putIdempotencyRecord, readIdempotencyRecord } from './idempotency-records';
import type { IdempotencyRecord } from '../domain/idempotency';
import { asStoreFault, storeContext, withConflictRetries, type StoreContext, type StoreContextOptions } from './store-calls';
import { TABLE } from './table-schema';

export type DynamoKeyStoreOptions = StoreContextOptions;

/** A revoke that keeps meeting a changed key is judged again this many times. */
const REVOKE_ATTEMPTS = 3;
const CHANGED_SINCE_READ = Symbol('changed since read');

/**
 * The KeyStore on one DynamoDB table (layout in table-schema.ts). Each write is
 * one transaction of named items (named-transaction.ts), so a failed condition
 * is read by name: the owner's slot guard (owner-limit.ts), the key's own
 * condition, and so on. Expected outcomes come back as values; anything else
 * DynamoDB throws is a fault, a DependencyUnavailableError (STORE_UNAVAILABLE).
 *
 * The SDK gives each transaction a ClientRequestToken and reuses it on its own
 * retries, so a retry of one that timed out but did commit succeeds instead of
 * failing its own conditions.
 */
export class DynamoKeyStore implements KeyStore {
  private readonly context: StoreContext;

  constructor(options: DynamoKeyStoreOptions) {
    this.context = storeContext(options);
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    const { client, tableName } = this.context;
    const { Item } = await asStoreFault(() =>
      client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: keyId }, ConsistentRead: true })),
    );
    return Item === undefined ? undefined : toStoredKey(Item);
  }

  async insertKey(key: StoredKey, limit: number, now: Date, event: AuditEvent, checks?: OwnerChecks): Promise<InsertResult> {
    const { tableName } = this.context;
    const claim = async (room: SlotRoom) => {
      const transaction = namedTransaction({
        ownerSlots: claimSlots(tableName, key.ownerId, { [key.keyId]: key.expiresAt }, room.limit, {
          importedSeen: room.importedSeen,
          budget: room.budget,
          tokenIssuedAtMs: checks?.tokenIssuedAtMs,
        }),
        newKey: putNewKey(tableName, key),
        events: putEvents(tableName, [event]),
        idempotency: idempotencyItems(tableName, checks?.idempotency, now),
      });
      try {
        await this.context.client.send(transaction.command);
        return WRITTEN;
      } catch (error) {
        const failed = transaction.failedConditions(error);
        // Another request with the same Idempotency-Key got there first: its outcome is the answer.
        if (failed?.has('idempotency') === true) return REPLAYED;
        if (failed?.has('ownerSlots') === true) return OWNER_FULL;
        throw error;
      }
    };
    // The owner's imported keys take room too: a create is the one write the limit stops.
    return withinOwnerLimit(this.context, key.ownerId, limit, now, claim, { countImported: true, checks });
  }

  async rotateKey(rotation: KeyRotation, now: Date): Promise<RotateResult> {
    const { tableName } = this.context;
    const { oldKey, newKey } = rotation;
    // A key that counts among the imported ones (imported-slots.ts) moves to its grace period's end; the
    // native key that replaces an imported one counts there too, with no limit: a rotation adds no key, and an
    // owner holding thousands of imported keys can rotate every one.
    const oldCounted = countsAsImported(oldKey);
    // A counted key's successor is counted too, and says so on its item for its own rotations.
    const newCounted = oldCounted;
    const successor: StoredKey = newCounted ? { ...newKey, countsAsImported: true } : newKey;
    let deltas: ImportedDeltas = {};
    if (oldCounted) deltas = withDelta(withDelta(deltas, importedBucket(oldKey.expiresAt), -1), importedBucket(rotation.graceEndsAt), 1);
    if (newCounted) deltas = withDelta(deltas, importedBucket(newKey.expiresAt), 1);
    const slots = {
      ...(oldCounted ? {} : { [oldKey.keyId]: rotation.graceEndsAt }),
      ...(newCounted ? {} : { [newKey.keyId]: newKey.expiresAt }),
    };
    const checks = rotation.checks;
    const rotate = async (room: SlotRoom) => {
      const transaction = namedTransaction({
        // The old key stays counted until its grace period ends (then it is pruned as expired).
        ownerSlots: claimSlots(tableName, oldKey.ownerId, slots, rotation.activeKeyCap, {
          importedDeltas: deltas,
          unlimited: newCounted,
          budget: room.budget,
          tokenIssuedAtMs: checks?.tokenIssuedAtMs,
        }),
        oldKey: retireRotatedKey(tableName, rotation, now),
        newKey: putNewKey(tableName, successor),
        events: putEvents(tableName, rotation.events),
        idempotency: idempotencyItems(tableName, checks?.idempotency, now),
      });
      try {
        await this.context.client.send(transaction.command);
        return WRITTEN;
      } catch (error) {
        const failed = transaction.failedConditions(error);
        if (failed?.has('idempotency') === true) return REPLAYED;
        // The key changed since the domain judged it: that decides, whatever the slots say.
        if (failed?.has('oldKey') === true) return CONFLICT;
        if (failed?.has('ownerSlots') === true) return OWNER_FULL;
        throw error;
      }
    };
    return withinOwnerLimit(this.context, oldKey.ownerId, rotation.activeKeyCap, now, rotate, { checks });
  }

  async updateKey(update: KeyUpdate): Promise<UpdateResult> {
    const { tableName } = this.context;
    // An enable the owner asks for holds only while Auth0 has not blocked them (owner-status.ts).
    // A change Auth0's report makes holds only while that report is still the last applied.
    const ownerGuard =
      update.disabledAt === null && update.tokenIssuedAtMs !== undefined
        ? [ownerNotSuspendedCheck(tableName, update.ownerId, update.tokenIssuedAtMs)]
        : update.asOfOwnerStatusAtMs !== undefined
          ? [ownerStatusStillCheck(tableName, update.ownerId, update.asOfOwnerStatusAtMs)]
          : [];
    return withConflictRetries(this.context, async () => {
      const transaction = namedTransaction({
        key: changeKeyItem(tableName, update),
        owner: ownerGuard,
        events: putEvents(tableName, update.events),
      });
      try {
        await this.context.client.send(transaction.command);
        return WRITTEN;
      } catch (error) {
        const failed = transaction.failedConditions(error);
        if (failed?.has('key') === true) return CONFLICT;
        if (failed?.has('owner') === true) return update.asOfOwnerStatusAtMs !== undefined ? OWNER_CHANGED : OWNER_SUSPENDED;
        throw error;
      }
    });
  }

  async revokeKey(
    ownerId: string,
    keyId: string,
    at: Date,
    event: AuditEvent,
    purgeAt: number,
    revocation?: KeyRevocation,
  ): Promise<RevokeResult> {
    for (let attempt = 0; attempt < REVOKE_ATTEMPTS; attempt += 1) {
      // Read on each attempt: an imported key's count is found by its expiry, which a rotation moves.
      const existing = await this.getKey(keyId);
      if (existing?.ownerId !== ownerId) return NOT_FOUND;
      if (existing.revokedAt !== undefined) return ALREADY_REVOKED;
      const result = await this.revokeAsRead(existing, { at, event, purgeAt, revocation });
      if (result !== CHANGED_SINCE_READ) return result;
    }
    throw new KeyStateConflictError('The key was changed by another request at the same time; try again', 'CONCURRENT_CHANGE');
  }

  /** The revoke of a key as just read: CHANGED_SINCE_READ when it no longer is (read it again). */
  private async revokeAsRead(
    existing: StoredKey,
    { at, event, purgeAt, revocation }: { at: Date; event: AuditEvent; purgeAt: number; revocation: KeyRevocation | undefined },
  ): Promise<RevokeResult | typeof CHANGED_SINCE_READ> {
    const { tableName } = this.context;
    const { ownerId, keyId } = existing;
    // A key that counts among the imported ones does so in the count of its expiry, until it expires.
    const counted = countsAsImported(existing) && existing.expiresAt > at.getTime() / 1000;
    return withConflictRetries(this.context, async () => {
      const revoke = revokeKeyItem(tableName, existing, at, purgeAt, revocation);
      const events = putEvents(tableName, [event]);
      const ownerSlot = releaseSlot(tableName, ownerId, keyId, counted ? importedBucket(existing.expiresAt) : undefined);
      const transaction = namedTransaction({ key: revoke, ownerSlot, events });
      try {
        await this.context.client.send(transaction.command);
        return WRITTEN;
      } catch (error) {
        const failed = transaction.failedConditions(error);
        if (failed?.has('key') === true) return CHANGED_SINCE_READ; // revoked, or rotated, since: judge it again
        if (failed?.has('ownerSlot') !== true) throw error;
      }
      // No owner item (a key written by other means): nothing to release.
      const alone = namedTransaction({ key: revoke, events });
      try {
        await this.context.client.send(alone.command);
        return WRITTEN;
      } catch (error) {
        if (alone.failedConditions(error)?.has('key') === true) return CHANGED_SINCE_READ;
        throw error;
      }
    });
  }

  async listKeys(ownerId: string, page: PageRequest): Promise<KeyPage> {
    return listOwnerKeys(this.context, ownerId, page);
  }

  async listEvents(keyId: string, page: PageRequest): Promise<EventPage> {
    return listKeyEvents(this.context, keyId, page);
  }

  async ownerStatus(ownerId: string): Promise<OwnerStatusView> {
    return readOwnerStatus(this.context, ownerId);
  }

  async recordOwnerStatus(ownerId: string, status: OwnerStatus | undefined, atMs: number): Promise<'recorded' | 'stale'> {
    return recordOwnerStatus(this.context, ownerId, status, atMs);
  }

  async getIdempotencyRecord(recordId: string, now: Date): Promise<IdempotencyRecord | undefined> {
    return readIdempotencyRecord(this.context, recordId, now);
  }
}

/** The Idempotency-Key's record, when the request has one, as the transaction's item named `idempotency`. */
const idempotencyItems = (tableName: string, record: IdempotencyRecord | undefined, now: Date) =>
  record === undefined ? [] : [putIdempotencyRecord(tableName, record, now)];
