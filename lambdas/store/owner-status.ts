import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KeyStateConflictError } from '../domain/errors';
import type { OwnerStatus, OwnerStatusView } from '../domain/key-store';
import type { TransactItem } from './named-transaction';
import { epochSeconds } from './item-mapping';
import { numberAttribute, readOwnerItem } from './owner-item';
import { asStoreFault, withConflictRetries, type StoreContext } from './store-calls';
import { ownerItemKey, TABLE } from './table-schema';

/**
 * What Auth0 last said about an owner (lambdas/domain/owner-lifecycle.ts), on
 * the owner item:
 *
 * - `auth0Status` = `blocked` while Auth0 reports the user blocked, and
 *   `auth0StatusAtMs`, the time of the block or unblock last applied (events
 *   arrive out of order and again: an older one must not undo a newer);
 * - `auth0DeletedAtMs`, the latest deletion, which no unblock clears.
 *
 * While blocked, the owner's tokens (still valid until they expire) may not
 * create, rotate or enable keys; after a deletion, neither may tokens issued
 * before it (a user re-created with the same id, as a social login can be,
 * gets new tokens and starts afresh).
 */
export const AUTH0_STATUS = 'auth0Status';
/** Epoch milliseconds of the block or unblock last applied. */
export const AUTH0_STATUS_AT = 'auth0StatusAtMs';
/** Epoch milliseconds of the latest deletion. */
export const AUTH0_DELETED_AT = 'auth0DeletedAtMs';

/**
 * An owner item that holds only Auth0's word (a user with no keys) is purged
 * once every token issued before it has expired: Auth0 access tokens live at
 * most 30 days (2,592,000 s, an API's maximum token lifetime), a day's margin.
 */
export const UNKNOWN_OWNER_RETENTION_SECONDS = 31 * 86_400;

/** The owner item's condition for a write the owner makes with a token issued at `tokenIssuedAtMs`. */
export function notSuspended(tokenIssuedAtMs: number): { readonly condition: string; readonly values: Readonly<Record<string, unknown>> } {
  return {
    condition: `(attribute_not_exists(${AUTH0_STATUS}) AND (attribute_not_exists(${AUTH0_DELETED_AT}) OR ${AUTH0_DELETED_AT} < :tokenIssuedAt))`,
    values: { ':tokenIssuedAt': tokenIssuedAtMs },
  };
}

/** The same guard as its own item, for a write that does not otherwise touch the owner item (an enable). */
export function ownerNotSuspendedCheck(tableName: string, ownerId: string, tokenIssuedAtMs: number): TransactItem {
  const guard = notSuspended(tokenIssuedAtMs);
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
      ConditionExpression: guard.condition,
      ExpressionAttributeValues: { ...guard.values },
    },
  };
}

/**
 * For a change Auth0's report makes to one key: only while that report is
 * still the last applied (a newer block or unblock stops the older one's work
 * half way, rather than being undone by it).
 */
export function ownerStatusStillCheck(tableName: string, ownerId: string, statusAtMs: number): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
      ConditionExpression: `${AUTH0_STATUS_AT} = :statusAt`,
      ExpressionAttributeValues: { ':statusAt': statusAtMs },
    },
  };
}

/** Whether an owner item read back says the owner may not write with a token issued at `tokenIssuedAtMs`. */
export function isSuspended(item: Readonly<Record<string, unknown>> | undefined, tokenIssuedAtMs: number): boolean {
  const deletedAt = item?.[AUTH0_DELETED_AT];
  return item?.[AUTH0_STATUS] !== undefined || (typeof deletedAt === 'number' && deletedAt >= tokenIssuedAtMs);
}

/** What an owner item says of Auth0's reports. */
export function ownerStatusOf(item: Readonly<Record<string, unknown>> | undefined): OwnerStatusView {
  const statusAtMs = numberAttribute(item, AUTH0_STATUS_AT);
  const deletedAtMs = numberAttribute(item, AUTH0_DELETED_AT);
  return {
    ...(item?.[AUTH0_STATUS] === 'blocked' ? { blocked: true } : {}),
    ...(statusAtMs !== undefined ? { statusAtMs } : {}),
    ...(deletedAtMs !== undefined ? { deletedAtMs } : {}),
  };
}

const CHANGE_ATTEMPTS = 3;

/**
 * Records a block (`blocked`), an unblock (undefined) or a deletion as of
 * `atMs`, unless a later one of its kind is already recorded (`stale`). One
 * at the same instant is the same report again, and applies again (so a
 * retried event finishes its work). A deletion also clears a block older than
 * it: a re-created user does not inherit the old one's block.
 *
 * An owner with keys keeps their item for good; for one known only from
 * Auth0's reports the item gets a TTL (UNKNOWN_OWNER_RETENTION_SECONDS),
 * which a first key removes (owner-limit.ts ensureOwnerItem).
 */
export async function recordOwnerStatus(
  context: StoreContext,
  ownerId: string,
  status: OwnerStatus | undefined,
  atMs: number,
  now: Date = new Date(),
): Promise<'recorded' | 'stale'> {
  const at = status === 'deleted' ? AUTH0_DELETED_AT : AUTH0_STATUS_AT;
  if (status === 'deleted') {
    const recorded = await writeOwnerState(context, ownerId, atMs, now, {
      at,
      set: [`${AUTH0_DELETED_AT} = :at`],
      remove: [],
    });
    // An older block ends with the user it blocked; a newer one (a re-created user's) stands.
    await writeOwnerState(context, ownerId, atMs, now, { at: AUTH0_STATUS_AT, set: [`${AUTH0_STATUS_AT} = :at`], remove: [AUTH0_STATUS] });
    return recorded;
  }
  return writeOwnerState(context, ownerId, atMs, now, {
    at,
    set: [`${AUTH0_STATUS_AT} = :at`, ...(status === 'blocked' ? [`${AUTH0_STATUS} = :blocked`] : [])],
    remove: status === 'blocked' ? [] : [AUTH0_STATUS],
    values: status === 'blocked' ? { ':blocked': 'blocked' } : {},
  });
}

async function writeOwnerState(
  context: StoreContext,
  ownerId: string,
  atMs: number,
  now: Date,
  change: {
    readonly at: string;
    readonly set: readonly string[];
    readonly remove: readonly string[];
    /** The values `set` names beside `:at` (DynamoDB refuses one the expression does not use). */
    readonly values?: Readonly<Record<string, unknown>>;
  },
): Promise<'recorded' | 'stale'> {
  return asStoreFault(async () => {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt += 1) {
      const item = await readOwnerItem(context, ownerId);
      const recordedAt = numberAttribute(item, change.at);
      if (recordedAt !== undefined && recordedAt > atMs) return 'stale';
      const known = item?.activeKeys !== undefined;
      const purgeAt = epochSeconds(now) + UNKNOWN_OWNER_RETENTION_SECONDS;
      const set = [...change.set, ...(known ? [] : [`${TABLE.ttlAttribute} = :purgeAt`])];
      try {
        // A plain write on the owner item can lose to a transaction on it (TransactionConflictException, not retried by the SDK).
        await withConflictRetries(context, () =>
          context.client.send(
            new UpdateCommand({
              TableName: context.tableName,
              Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
              UpdateExpression: `SET ${set.join(', ')}${change.remove.length > 0 ? ` REMOVE ${change.remove.join(', ')}` : ''}`,
              // As read: a concurrent report or a first key since means judging again.
              ConditionExpression: `${known ? 'attribute_exists(activeKeys)' : 'attribute_not_exists(activeKeys)'} AND (attribute_not_exists(${change.at}) OR ${change.at} <= :at)`,
              ExpressionAttributeValues: {
                ':at': atMs,
                ...change.values,
                ...(known ? {} : { ':purgeAt': purgeAt }),
              },
            }),
          ),
        );
        return 'recorded';
      } catch (error) {
        // withConflictRetries reports a fault as DependencyUnavailableError, with DynamoDB's own error as its cause.
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        if (!(cause instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new KeyStateConflictError('Other requests kept changing this owner at the same time; try again', 'CONCURRENT_CHANGE');
  });
}

/** What the owner item holds of Auth0's reports, read strongly consistently. */
export async function readOwnerStatus(context: StoreContext, ownerId: string): Promise<OwnerStatusView> {
  return ownerStatusOf(await asStoreFault(() => readOwnerItem(context, ownerId)));
}
