import { BatchGetCommand, type BatchGetCommandOutput, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../domain/api-key';
import { DependencyUnavailableError } from '../domain/errors';
import type { EventPage, KeyPage, PageRequest } from '../domain/key-store';
import { toAuditEvent, toKeySummary, toStoredKey } from './item-mapping';
import { activeKeyIds } from './owner-limit';
import { decodeCursor, decodeEventCursor, encodeCursor } from './page-cursor';
import { asStoreFault, backoffMs, type StoreContext } from './store-calls';
import { TABLE } from './table-schema';
import { ownerIndexLacksAttributes } from './table-upgrade';

type Item = Record<string, unknown>;

/**
 * The owner index is eventually consistent, so a key created or revoked a
 * moment ago may be missing or stale there. On the first page, the owner
 * item (read strongly consistently) names every active key: keys it names
 * that the index lacks (the newest, so they belong on this page), and keys
 * the index shows unrevoked that it does not name, are read from the table
 * itself, so an owner always sees their own latest writes. Through an owner
 * index that lacks attributes (release 1's, during an upgrade), every key on
 * the page is read from the table.
 */
export async function listOwnerKeys(context: StoreContext, ownerId: string, page: PageRequest): Promise<KeyPage> {
  const startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, ownerId);
  const [indexed, active] = await asStoreFault(() =>
    Promise.all([
      queryNewestFirst(context, context.indexes.owner, ownerId, page.limit, startKey, toKeySummary),
      startKey === undefined ? activeKeyIds(context, ownerId) : Promise.resolve(undefined),
    ]),
  );
  const byId = new Map(indexed.items.map((key) => [key.keyId, key] as const));
  const doubtful = new Set(ownerIndexLacksAttributes(context.indexes) ? byId.keys() : []);
  if (active !== undefined) {
    for (const keyId of active) if (!byId.has(keyId)) doubtful.add(keyId);
    for (const key of indexed.items) if (key.revokedAt === undefined && !active.has(key.keyId)) doubtful.add(key.keyId);
  }
  // With more pages to come, an active key missing here may simply be
  // older than this page: only keys that sort into this page belong.
  const oldestOnPage = indexed.lastKey === undefined ? undefined : indexed.items.at(-1)?.createdAt;
  for (const fresh of await asStoreFault(() => getKeysConsistently(context, [...doubtful]))) {
    const belongsHere = byId.has(fresh.keyId) || oldestOnPage === undefined || fresh.createdAt > oldestOnPage;
    if (fresh.ownerId === ownerId && belongsHere) {
      const { secretHash: _hidden, ...summary } = fresh;
      byId.set(fresh.keyId, summary);
    }
  }
  const keys = [...byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return indexed.lastKey === undefined ? { keys } : { keys, nextCursor: encodeCursor(indexed.lastKey) };
}

/** One page of a key's events, newest first, through the event index (absent while an upgrade builds it). */
export async function listKeyEvents(context: StoreContext, keyId: string, page: PageRequest): Promise<EventPage> {
  const index = context.indexes.events;
  if (index === undefined) {
    throw new DependencyUnavailableError('The audit trail is being built by a table upgrade; try again later', 'STORE_UNAVAILABLE');
  }
  const startKey = page.cursor === undefined ? undefined : decodeEventCursor(page.cursor, keyId);
  const { items: events, lastKey } = await asStoreFault(() => queryNewestFirst(context, index, keyId, page.limit, startKey, toAuditEvent));
  return lastKey === undefined ? { events } : { events, nextCursor: encodeCursor(lastKey) };
}

/**
 * One page of an index's items for one partition value, newest first, each
 * read defensively by `read` (an item it cannot read is left out).
 */
async function queryNewestFirst<T>(
  context: StoreContext,
  index: { readonly name: string; readonly partitionKey: string },
  partitionValue: string,
  limit: number,
  startKey: Item | undefined,
  read: (item: Item) => T | undefined,
): Promise<{ items: T[]; lastKey?: Item }> {
  const page = await context.client.send(
    new QueryCommand({
      TableName: context.tableName,
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

/** BatchGetItem, 100 keys at a time, strongly consistent, retrying what DynamoDB leaves unprocessed. */
async function getKeysConsistently(context: StoreContext, keyIds: readonly string[]): Promise<StoredKey[]> {
  const found: StoredKey[] = [];
  for (let i = 0; i < keyIds.length; i += 100) {
    let keys: Item[] | undefined = keyIds.slice(i, i + 100).map((keyId) => ({ [TABLE.partitionKey]: keyId }));
    for (let attempt = 0; keys !== undefined && keys.length > 0; attempt += 1) {
      if (attempt > 0) await context.sleep(backoffMs(attempt));
      if (attempt > 5) throw new Error('BatchGetItem left keys unprocessed');
      const result: BatchGetCommandOutput = await context.client.send(
        new BatchGetCommand({ RequestItems: { [context.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[context.tableName] ?? []) {
        const key = toStoredKey(item);
        if (key !== undefined) found.push(key);
      }
      keys = result.UnprocessedKeys?.[context.tableName]?.Keys;
    }
  }
  return found;
}
