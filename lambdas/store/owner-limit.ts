import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KeyStateConflictError } from '../domain/errors';
import { limitReached, OWNER_SUSPENDED, rateLimited, type OwnerChecks, type OwnerRefusal } from '../domain/key-store';
import { claimHolds, decide, freshClaim, type BudgetClaim } from '../domain/owner-budget';
import { readOwnerItem } from './owner-item';
import { tatOf } from './owner-rate';
import { isSuspended } from './owner-status';
import { IMPORTED_COUNTS, IMPORTED_TOTAL, importedCounts } from './imported-slots';
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

/** What one try may claim: `limit` slots in `activeKeys`, for a create the imported total it saw, and the budget's form (claimSlots). */
export interface SlotRoom {
  readonly limit: number;
  readonly importedSeen?: number | undefined;
  readonly budget?: BudgetClaim | undefined;
}

/** A try whose budget claim met another request's spending is judged again on a fresh read, this many times. */
const BUDGET_ATTEMPTS = 5;

/**
 * Runs `attempt`, a transaction that claims slots on the owner item. When its
 * guard fails, the owner item is read to learn which part of it did: Auth0
 * reported the owner blocked or deleted (`owner-suspended`), the budget is
 * spent (`rate-limited`; or another request just spent from it, and the claim
 * is tried again in its new form), or the slots are full: then expired
 * entries are pruned and it is tried once more before the limit is reported.
 * With `countImported` (a create), the owner's imported keys take room too
 * (imported-slots.ts): the first try assumes there are none (no extra read
 * for an owner without any), and the retry claims what the pruning read left
 * beside them. The first try also assumes a full budget, the usual case.
 */
export async function withinOwnerLimit<R>(
  context: StoreContext,
  ownerId: string,
  limit: number,
  now: Date,
  attempt: (room: SlotRoom) => Promise<R | typeof OWNER_FULL>,
  options: { readonly countImported?: boolean; readonly checks?: OwnerChecks | undefined } = {},
): Promise<R | OwnerRefusal> {
  // A plain update on the owner item can lose to a concurrent transaction
  // (TransactionConflictException, which the SDK does not retry).
  await withConflictRetries(context, () => ensureOwnerItem(context, ownerId));
  const budget = options.checks?.budget;
  const issuedAtMs = options.checks?.tokenIssuedAtMs ?? 0;
  let pruned = false;
  let room: SlotRoom = {
    limit,
    ...(options.countImported === true ? { importedSeen: 0 } : {}),
    ...(budget !== undefined ? { budget: freshClaim(budget, now) } : {}),
  };
  return withConflictRetries(context, async () => {
    for (let budgetTries = 0; ;) {
      const result = room.limit > 0 ? await attempt(room) : OWNER_FULL;
      if (result !== OWNER_FULL) return result;
      const item = await readOwnerItem(context, ownerId);
      if (isSuspended(item, issuedAtMs)) return OWNER_SUSPENDED;
      if (budget !== undefined && room.budget !== undefined) {
        const decision = decide(budget, tatOf(item), now);
        if (decision.kind === 'refused') return rateLimited(decision.retryAfterSeconds);
        if (!claimHolds(room.budget, tatOf(item))) {
          budgetTries += 1;
          if (budgetTries >= BUDGET_ATTEMPTS) {
            throw new KeyStateConflictError(
              'Other requests of this owner kept changing their budget at the same time; try again',
              'CONCURRENT_CHANGE',
            );
          }
          room = { ...room, budget: decision.claim };
          continue;
        }
      }
      if (pruned) return limitReached(limit);
      // Try once more after pruning, even if this call pruned nothing: a
      // concurrent write may just have freed the slots.
      const imported = await pruneExpired(context, ownerId, now, item);
      if (options.countImported === true) room = { ...room, limit: limit - imported.unexpired, importedSeen: imported.total };
      pruned = true;
    }
  });
}

/** The slot map must exist for `size(activeKeys)` to be evaluated. */
export async function ensureOwnerItem(context: StoreContext, ownerId: string): Promise<void> {
  await context.client.send(
    new UpdateCommand({
      TableName: context.tableName,
      Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
      // The imported counts' map too, so a rotation of an imported key always has one to count down in.
      // An item that held only Auth0's word about the owner (owner-status.ts) is kept for good from the first key.
      UpdateExpression: `SET activeKeys = if_not_exists(activeKeys, :empty), ${IMPORTED_COUNTS} = if_not_exists(${IMPORTED_COUNTS}, :empty) REMOVE ${TABLE.ttlAttribute}`,
      ExpressionAttributeValues: { ':empty': {} },
    }),
  );
}

/** The owner's active key ids, read strongly consistently. */
export async function activeKeyIds(context: StoreContext, ownerId: string): Promise<Set<string>> {
  return new Set(Object.keys(await readSlots(context, ownerId)));
}

async function readSlots(context: StoreContext, ownerId: string): Promise<Record<string, unknown>> {
  return ((await readOwnerItem(context, ownerId))?.activeKeys ?? {}) as Record<string, unknown>;
}

/** Removes the owner's expired keys (from `item`, the owner item as just read) from the active set and expired imported counts; answers the imported counts left. */
async function pruneExpired(
  context: StoreContext,
  ownerId: string,
  now: Date,
  item: Record<string, unknown> | undefined,
): Promise<{ unexpired: number; total: number }> {
  const nowSeconds = now.getTime() / 1000;
  const imported = importedCounts(item, nowSeconds);
  const prunedImported = imported.expired.length === 0 ? 0 : await pruneImportedCounts(context, ownerId, imported.expired);
  const expired = Object.entries((item?.activeKeys ?? {}) as Record<string, unknown>)
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
  return { unexpired: imported.unexpired, total: imported.total - prunedImported };
}

/**
 * Drops imported counts whose expiry has passed, and their sum from the
 * total, while they are as read (else another prune or import got there
 * first: nothing is subtracted twice). Answers what was subtracted.
 */
async function pruneImportedCounts(
  context: StoreContext,
  ownerId: string,
  expired: readonly (readonly [string, number])[],
): Promise<number> {
  const batch = expired.slice(0, PRUNE_BATCH);
  const sum = batch.reduce((total, [, count]) => total + count, 0);
  try {
    await context.client.send(
      new UpdateCommand({
        TableName: context.tableName,
        Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
        UpdateExpression: `REMOVE ${batch.map((_, j) => `${IMPORTED_COUNTS}.#b${j}`).join(', ')} SET ${IMPORTED_TOTAL} = ${IMPORTED_TOTAL} - :sum`,
        ConditionExpression: batch.map((_, j) => `${IMPORTED_COUNTS}.#b${j} = :c${j}`).join(' AND '),
        ExpressionAttributeNames: Object.fromEntries(batch.map(([bucket], j) => [`#b${j}`, bucket])),
        ExpressionAttributeValues: { ':sum': sum, ...Object.fromEntries(batch.map(([, count], j) => [`:c${j}`, count])) },
      }),
    );
    return sum;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 0;
    throw error;
  }
}
