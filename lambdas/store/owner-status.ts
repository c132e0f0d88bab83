import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OwnerStatus } from '../domain/key-store';
import type { TransactItem } from './named-transaction';
import { asStoreFault, type StoreContext } from './store-calls';
import { ownerItemKey, TABLE } from './table-schema';

/**
 * What Auth0 last said about an owner (lambdas/domain/owner-lifecycle.ts),
 * on the owner item: `blocked` or `deleted`, and when Auth0 says it happened.
 * While blocked, the owner's tokens (still valid until they expire) may not
 * create, rotate or enable keys; after a deletion, neither may tokens issued
 * before it (a user re-created with the same id, as a social login can be,
 * gets new tokens and starts afresh).
 */
export const AUTH0_STATUS = 'auth0Status';
/** Epoch milliseconds of the Auth0 event that set the status (or cleared it). */
export const AUTH0_STATUS_AT = 'auth0StatusAtMs';

/** The owner item's condition for a write the owner makes with a token issued at `tokenIssuedAtMs`. */
export function notSuspended(tokenIssuedAtMs: number): { readonly condition: string; readonly values: Readonly<Record<string, unknown>> } {
  return {
    condition: `(attribute_not_exists(${AUTH0_STATUS}) OR (${AUTH0_STATUS} = :deletedStatus AND ${AUTH0_STATUS_AT} < :tokenIssuedAt))`,
    values: { ':deletedStatus': 'deleted', ':tokenIssuedAt': tokenIssuedAtMs },
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

/** Whether an owner item read back says the owner may not write with a token issued at `tokenIssuedAtMs`. */
export function isSuspended(item: Readonly<Record<string, unknown>> | undefined, tokenIssuedAtMs: number): boolean {
  const status = item?.[AUTH0_STATUS];
  if (status === undefined) return false;
  const at = item?.[AUTH0_STATUS_AT];
  return !(status === 'deleted' && typeof at === 'number' && at < tokenIssuedAtMs);
}

/**
 * Records `status` (undefined: cleared, as on unblocking) as of `atMs`, unless
 * a later event is already recorded: events arrive out of order and are
 * replayed, and an older one must not undo a newer. One at the same instant
 * is the same event again, and applies again (so a retried event finishes its work).
 */
export async function recordOwnerStatus(
  context: StoreContext,
  ownerId: string,
  status: OwnerStatus | undefined,
  atMs: number,
): Promise<'recorded' | 'stale'> {
  return asStoreFault(async () => {
    try {
      await context.client.send(
        new UpdateCommand({
          TableName: context.tableName,
          Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
          UpdateExpression:
            status === undefined
              ? `SET ${AUTH0_STATUS_AT} = :at REMOVE ${AUTH0_STATUS}`
              : `SET ${AUTH0_STATUS_AT} = :at, ${AUTH0_STATUS} = :status`,
          ConditionExpression: `attribute_not_exists(${AUTH0_STATUS_AT}) OR ${AUTH0_STATUS_AT} <= :at`,
          ExpressionAttributeValues: { ':at': atMs, ...(status === undefined ? {} : { ':status': status }) },
        }),
      );
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  });
}

/** The status as of which event: what an owner item says, for deciding whether an event is stale before acting on it. */
export function statusAtOf(item: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const at = item?.[AUTH0_STATUS_AT];
  return typeof at === 'number' ? at : undefined;
}
