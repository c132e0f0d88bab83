import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { limitReached, type ResultOf } from '../domain/key-store';
import { withConflictRetries, type StoreContext } from './store-calls';
import { ownerItemKey, TABLE } from './table-schema';

/**
 * The per-owner limit holds under concurrent writes because the owner item
 * carries a map of the owner's active key ids (to the epoch second each stops
 * counting), and a write that adds a key adds to it only while
 * `size(activeKeys) < limit` (claimSlots in key-writes.ts). Expired entries
 * are pruned lazily, when the limit is hit: expiry is final, so removing them
 * needs no lock.
 */

/** What one try of a slot-claiming write answers when its slot guard failed. */
export const OWNER_FULL = Symbol('owner full');

const PRUNE_BATCH = 50;

/**
 * Runs `attempt`, a transaction that claims slots on the owner item. When its
 * guard fails, expired entries are pruned and it is tried once more before
 * the limit is reported.
 */
export async function withinOwnerLimit<R>(
  context: StoreContext,
  ownerId: string,
  limit: number,
  now: Date,
  attempt: () => Promise<R | typeof OWNER_FULL>,
): Promise<R | ResultOf<'limit-reached'>> {
  // A plain update on the owner item can lose to a concurrent transaction
  // (TransactionConflictException, which the SDK does not retry).
  await withConflictRetries(context, () => ensureOwnerItem(context, ownerId));
  let pruned = false;
  return withConflictRetries(context, async () => {
    for (;;) {
      const result = await attempt();
      if (result !== OWNER_FULL) return result;
      if (pruned) return limitReached(limit);
      // Try once more after pruning, even if this call pruned nothing: a
      // concurrent write may just have freed the slots.
      await pruneExpired(context, ownerId, now);
      pruned = true;
    }
  });
}

/** The slot map must exist for `size(activeKeys)` to be evaluated. */
async function ensureOwnerItem(context: StoreContext, ownerId: string): Promise<void> {
  await context.client.send(
    new UpdateCommand({
      TableName: context.tableName,
      Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
      UpdateExpression: 'SET activeKeys = if_not_exists(activeKeys, :empty)',
      ExpressionAttributeValues: { ':empty': {} },
    }),
  );
}

/** The owner's active key ids, read strongly consistently. */
export async function activeKeyIds(context: StoreContext, ownerId: string): Promise<Set<string>> {
  return new Set(Object.keys(await readSlots(context, ownerId)));
}

async function readSlots(context: StoreContext, ownerId: string): Promise<Record<string, unknown>> {
  const { Item } = await context.client.send(
    new GetCommand({ TableName: context.tableName, Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) }, ConsistentRead: true }),
  );
  return (Item?.activeKeys ?? {}) as Record<string, unknown>;
}

/** Removes the owner's expired keys from the active set. */
async function pruneExpired(context: StoreContext, ownerId: string, now: Date): Promise<void> {
  const nowSeconds = now.getTime() / 1000;
  const expired = Object.entries(await readSlots(context, ownerId))
    .filter(([, until]) => typeof until !== 'number' || until <= nowSeconds)
    .map(([keyId]) => keyId);
  // Chunked: one REMOVE of hundreds of paths would exceed DynamoDB's 4 KB expression limit.
  for (let i = 0; i < expired.length; i += PRUNE_BATCH) {
    const batch = expired.slice(i, i + PRUNE_BATCH);
    await context.client.send(
      new UpdateCommand({
        TableName: context.tableName,
        Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
        UpdateExpression: `REMOVE ${batch.map((_, j) => `activeKeys.#k${j}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(batch.map((keyId, j) => [`#k${j}`, keyId])),
      }),
    );
  }
}
