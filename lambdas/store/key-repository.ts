import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../domain/api-key';
import type { AuditEvent } from '../domain/audit-event';
import { DependencyUnavailableError, isDomainError, KeyLimitReachedError } from '../domain/errors';
import { ownerItemKey, TABLE } from './table-schema';
import type { EventPage, KeyPage, KeyRotation, KeyStore, KeyUpdate, PageRequest, RevokeOutcome } from '../domain/key-store';
import { decodeCursor, decodeEventCursor, encodeCursor } from './page-cursor';
import { toAuditEvent, toEventItem, toItem, toKeySummary, toStoredKey } from './item-mapping';

export interface DynamoKeyStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** How often a transaction that lost a race with another is tried again. */
  readonly maxConflictRetries?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const CONDITION_FAILED = 'ConditionalCheckFailed';
const PRUNE_BATCH = 50;
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface CancellationReason {
  readonly Code?: string;
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (error instanceof Error && error.name === 'TransactionCanceledException') {
    return (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  }
  return undefined;
}

function isTransactionConflict(error: unknown): boolean {
  if (error instanceof Error && error.name === 'TransactionConflictException') {
    return true;
  }
  return cancellationReasons(error)?.some((reason) => reason.Code === 'TransactionConflict') ?? false;
}

/**
 * The per-owner limit holds under concurrent creates because the owner item
 * carries a map of the owner's active key ids (to their expiry) and the
 * create transaction adds to it only while `size(activeKeys) < limit`.
 * Expired entries are pruned lazily, when the limit is hit: expiry is final,
 * so removing them needs no lock.
 */
export class DynamoKeyStore implements KeyStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly maxConflictRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: DynamoKeyStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.maxConflictRetries = options.maxConflictRetries ?? 8;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    const { Item } = await this.call(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { [TABLE.partitionKey]: keyId }, ConsistentRead: true })),
    );
    return Item === undefined ? undefined : toStoredKey(Item);
  }

  async insertKey(key: StoredKey, limit: number, now: Date, event: AuditEvent): Promise<void> {
    await this.withinOwnerLimit(key.ownerId, limit, now, () => this.client.send(this.insertTransaction(key, limit, event)));
  }

  async rotateKey(rotation: KeyRotation, now: Date): Promise<'rotated' | 'conflict'> {
    const { oldKey, newKey } = rotation;
    return this.withinOwnerLimit(oldKey.ownerId, rotation.activeKeyCap, now, async () => {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: { [TABLE.partitionKey]: ownerItemKey(oldKey.ownerId) },
                  // The old key stays counted until its grace period ends (then it is pruned as expired).
                  UpdateExpression: 'SET activeKeys.#old = :graceEndsAt, activeKeys.#new = :expiresAt',
                  ConditionExpression: 'size(activeKeys) < :limit',
                  ExpressionAttributeNames: { '#old': oldKey.keyId, '#new': newKey.keyId },
                  ExpressionAttributeValues: {
                    ':graceEndsAt': rotation.graceEndsAt,
                    ':expiresAt': newKey.expiresAt,
                    ':limit': rotation.activeKeyCap,
                  },
                },
              },
              {
                Update: {
                  TableName: this.tableName,
                  Key: { [TABLE.partitionKey]: oldKey.keyId },
                  UpdateExpression: 'SET expiresAt = :graceEndsAt, rotatedAt = :at, replacedBy = :newKeyId',
                  ConditionExpression:
                    'ownerId = :owner AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND expiresAt > :now',
                  ExpressionAttributeValues: {
                    ':graceEndsAt': rotation.graceEndsAt,
                    ':at': rotation.rotatedAt,
                    ':newKeyId': newKey.keyId,
                    ':owner': oldKey.ownerId,
                    ':now': Math.floor(now.getTime() / 1000),
                  },
                },
              },
              this.putNewKey(newKey),
              ...this.putEvents(rotation.events),
            ],
          }),
        );
        return 'rotated';
      } catch (error) {
        if (cancellationReasons(error)?.[1]?.Code === CONDITION_FAILED) return 'conflict';
        throw error;
      }
    });
  }

  async updateKey(update: KeyUpdate): Promise<'updated' | 'conflict'> {
    const set: string[] = [];
    const remove: string[] = [];
    const values: Record<string, unknown> = { ':owner': update.ownerId, ':expectedName': update.expected.name };
    if (update.name !== undefined) {
      set.push('#name = :name');
      values[':name'] = update.name;
    }
    if (update.disabledAt === null) {
      remove.push('disabledAt');
    } else if (update.disabledAt !== undefined) {
      set.push('disabledAt = :disabledAt');
      values[':disabledAt'] = update.disabledAt;
    }
    const expression = [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '']
      .filter((part) => part !== '')
      .join(' ');
    return this.withConflictRetries(async () => {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: { [TABLE.partitionKey]: update.keyId },
                  UpdateExpression: expression,
                  ConditionExpression: `ownerId = :owner AND attribute_not_exists(revokedAt) AND #name = :expectedName AND ${
                    update.expected.disabled ? 'attribute_exists(disabledAt)' : 'attribute_not_exists(disabledAt)'
                  }`,
                  ExpressionAttributeNames: { '#name': 'name' },
                  ExpressionAttributeValues: values,
                },
              },
              ...this.putEvents(update.events),
            ],
          }),
        );
        return 'updated';
      } catch (error) {
        if (cancellationReasons(error)?.[0]?.Code === CONDITION_FAILED) return 'conflict';
        throw error;
      }
    });
  }

  async listEvents(keyId: string, page: PageRequest): Promise<EventPage> {
    const startKey = page.cursor === undefined ? undefined : decodeEventCursor(page.cursor, keyId);
    const { items: events, lastKey } = await this.call(() =>
      this.queryNewestFirst(TABLE.eventIndex, keyId, page.limit, startKey, toAuditEvent),
    );
    return lastKey === undefined ? { events } : { events, nextCursor: encodeCursor(lastKey) };
  }

  /**
   * Runs `write`, a transaction whose first item is the owner-item update
   * guarded by `size(activeKeys) < limit`. When that guard fails, expired
   * entries are pruned and the write is tried once more before the limit is
   * reported.
   */
  private async withinOwnerLimit<T>(ownerId: string, limit: number, now: Date, write: () => Promise<T>): Promise<T> {
    // A plain update on the owner item can lose to a concurrent transaction
    // (TransactionConflictException, which the SDK does not retry).
    await this.withConflictRetries(() => this.ensureOwnerItem(ownerId));
    let pruned = false;
    return this.withConflictRetries(async () => {
      for (;;) {
        try {
          return await write();
        } catch (error) {
          const ownerCheck = cancellationReasons(error)?.[0]?.Code;
          if (ownerCheck !== CONDITION_FAILED) {
            throw error;
          }
          if (pruned) {
            throw new KeyLimitReachedError(limit);
          }
          // Try once more after pruning, even if this call pruned nothing: a
          // concurrent create may just have freed the slots.
          await this.pruneExpired(ownerId, now);
          pruned = true;
        }
      }
    });
  }

  /**
   * The owner index is eventually consistent, so a key created or revoked a
   * moment ago may be missing or stale there. On the first page, the owner
   * item (read strongly consistently) names every active key: keys it names
   * that the index lacks (the newest, so they belong on this page), and keys
   * the index shows unrevoked that it does not name, are read from the table
   * itself, so an owner always sees their own latest writes.
   */
  async listKeys(ownerId: string, page: PageRequest): Promise<KeyPage> {
    const startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, ownerId);
    const [indexed, active] = await this.call(() =>
      Promise.all([
        this.queryNewestFirst(TABLE.ownerIndex, ownerId, page.limit, startKey, toKeySummary),
        startKey === undefined ? this.activeKeyIds(ownerId) : Promise.resolve(undefined),
      ]),
    );
    const byId = new Map(indexed.items.map((key) => [key.keyId, key] as const));
    if (active !== undefined) {
      const doubtful = [
        ...[...active].filter((keyId) => !byId.has(keyId)),
        ...indexed.items.filter((key) => key.revokedAt === undefined && !active.has(key.keyId)).map((key) => key.keyId),
      ];
      // With more pages to come, an active key missing here may simply be
      // older than this page: only keys that sort into this page belong.
      const oldestOnPage = indexed.lastKey === undefined ? undefined : indexed.items.at(-1)?.createdAt;
      for (const fresh of await this.call(() => this.getKeysConsistently(doubtful))) {
        const belongsHere = byId.has(fresh.keyId) || oldestOnPage === undefined || fresh.createdAt > oldestOnPage;
        if (fresh.ownerId === ownerId && belongsHere) {
          const { secretHash: _hidden, ...summary } = fresh;
          byId.set(fresh.keyId, summary);
        }
      }
    }
    const keys = [...byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return indexed.lastKey === undefined ? { keys } : { keys, nextCursor: encodeCursor(indexed.lastKey) };
  }

  /**
   * One page of an index's items for one partition value, newest first, each
   * read defensively by `read` (an item it cannot read is left out).
   */
  private async queryNewestFirst<T>(
    index: { readonly name: string; readonly partitionKey: string },
    partitionValue: string,
    limit: number,
    startKey: Record<string, unknown> | undefined,
    read: (item: Record<string, unknown>) => T | undefined,
  ): Promise<{ items: T[]; lastKey?: Record<string, unknown> }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#partition = :value',
        ExpressionAttributeNames: { '#partition': index.partitionKey },
        ExpressionAttributeValues: { ':value': partitionValue },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const items: T[] = [];
    for (const item of page.Items ?? []) {
      const value = read(item);
      if (value !== undefined) items.push(value);
    }
    return page.LastEvaluatedKey === undefined ? { items } : { items, lastKey: page.LastEvaluatedKey };
  }

  private async activeKeyIds(ownerId: string): Promise<Set<string>> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
        ConsistentRead: true,
      }),
    );
    return new Set(Object.keys((Item?.activeKeys ?? {}) as Record<string, unknown>));
  }

  private async getKeysConsistently(keyIds: readonly string[]): Promise<StoredKey[]> {
    const found: StoredKey[] = [];
    for (let i = 0; i < keyIds.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = keyIds.slice(i, i + 100).map((keyId) => ({ [TABLE.partitionKey]: keyId }));
      for (let attempt = 0; keys !== undefined && keys.length > 0; attempt += 1) {
        if (attempt > 0) await this.sleep(Math.random() * 20 * 2 ** Math.min(attempt, 5));
        if (attempt > 5) throw new Error('BatchGetItem left keys unprocessed');
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const key = toStoredKey(item);
          if (key !== undefined) found.push(key);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async revokeKey(ownerId: string, keyId: string, at: Date, event: AuditEvent): Promise<RevokeOutcome> {
    const existing = await this.getKey(keyId);
    if (existing === undefined || existing.ownerId !== ownerId) {
      return 'not-found';
    }
    if (existing.revokedAt !== undefined) {
      return 'already-revoked';
    }
    return this.withConflictRetries(async () => {
      try {
        await this.client.send(this.revokeTransaction(ownerId, keyId, at, event));
        return 'revoked';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons?.[0]?.Code === CONDITION_FAILED) {
          return 'already-revoked'; // a concurrent revoke won
        }
        if (reasons?.[1]?.Code === CONDITION_FAILED) {
          // No owner item (a key written by other means): nothing to release.
          await this.client.send(
            new TransactWriteCommand({ TransactItems: [{ Update: this.revokeUpdate(ownerId, keyId, at) }, ...this.putEvents([event])] }),
          );
          return 'revoked';
        }
        throw error;
      }
    });
  }

  // The SDK gives each transaction a ClientRequestToken and reuses it on its
  // own retries, so a retry of one that timed out but did commit succeeds
  // instead of failing its own conditions.
  private insertTransaction(key: StoredKey, limit: number, event: AuditEvent): TransactWriteCommand {
    return new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: { [TABLE.partitionKey]: ownerItemKey(key.ownerId) },
            UpdateExpression: 'SET activeKeys.#keyId = :expiresAt',
            ConditionExpression: 'size(activeKeys) < :limit',
            ExpressionAttributeNames: { '#keyId': key.keyId },
            ExpressionAttributeValues: { ':expiresAt': key.expiresAt, ':limit': limit },
          },
        },
        this.putNewKey(key),
        ...this.putEvents([event]),
      ],
    });
  }

  private putNewKey(key: StoredKey) {
    return {
      Put: {
        TableName: this.tableName,
        Item: toItem(key),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      },
    };
  }

  private putEvents(events: readonly AuditEvent[]) {
    return events.map((event, position) => ({ Put: { TableName: this.tableName, Item: toEventItem(event, position) } }));
  }

  private revokeTransaction(ownerId: string, keyId: string, at: Date, event: AuditEvent): TransactWriteCommand {
    return new TransactWriteCommand({
      TransactItems: [
        { Update: this.revokeUpdate(ownerId, keyId, at) },
        {
          Update: {
            TableName: this.tableName,
            Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
            UpdateExpression: 'REMOVE activeKeys.#keyId',
            ConditionExpression: 'attribute_exists(activeKeys)',
            ExpressionAttributeNames: { '#keyId': keyId },
          },
        },
        ...this.putEvents([event]),
      ],
    });
  }

  private revokeUpdate(ownerId: string, keyId: string, at: Date) {
    return {
      TableName: this.tableName,
      Key: { [TABLE.partitionKey]: keyId },
      UpdateExpression: 'SET revokedAt = :at',
      ConditionExpression: 'ownerId = :owner AND attribute_not_exists(revokedAt)',
      ExpressionAttributeValues: { ':at': at.toISOString(), ':owner': ownerId },
    };
  }

  private async ensureOwnerItem(ownerId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
        UpdateExpression: 'SET activeKeys = if_not_exists(activeKeys, :empty)',
        ExpressionAttributeValues: { ':empty': {} },
      }),
    );
  }

  /** Removes the owner's expired keys from the active set; returns how many. */
  private async pruneExpired(ownerId: string, now: Date): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
        ConsistentRead: true,
      }),
    );
    const active = (Item?.activeKeys ?? {}) as Record<string, unknown>;
    const nowSeconds = now.getTime() / 1000;
    const expired = Object.entries(active)
      .filter(([, expiresAt]) => typeof expiresAt !== 'number' || expiresAt <= nowSeconds)
      .map(([keyId]) => keyId);
    // Chunked: one REMOVE of hundreds of paths would exceed DynamoDB's 4 KB expression limit.
    for (let i = 0; i < expired.length; i += PRUNE_BATCH) {
      const batch = expired.slice(i, i + PRUNE_BATCH);
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
          UpdateExpression: `REMOVE ${batch.map((_, j) => `activeKeys.#k${j}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(batch.map((keyId, j) => [`#k${j}`, keyId])),
        }),
      );
    }
    return expired.length;
  }

  /** Transactions on one owner item may collide; the loser tries again after a jittered pause. */
  private async withConflictRetries<T>(operation: () => Promise<T>): Promise<T> {
    return this.call(async () => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await operation();
        } catch (error) {
          if (!isTransactionConflict(error) || attempt >= this.maxConflictRetries) {
            throw error;
          }
          await this.sleep(Math.random() * 20 * 2 ** Math.min(attempt, 5));
        }
      }
    });
  }

  /** Every failure that is not a domain outcome is a fault of the store: fail closed, retryable. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (isDomainError(error)) {
        throw error;
      }
      throw new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE', {
        cause: error,
      });
    }
  }
}
