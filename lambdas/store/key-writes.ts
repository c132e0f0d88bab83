import type { KeyRevocation, StoredKey } from '../domain/api-key';
import type { AuditEvent } from '../domain/audit-event';
import type { KeyRotation, KeyUpdate } from '../domain/key-store';
import { epochSeconds, toEventItem, toItem } from './item-mapping';
import { IMPORTED_COUNTS, IMPORTED_TOTAL, importedDeltaParts, type ImportedDeltas } from './imported-slots';
import type { TransactItem } from './named-transaction';
import type { BudgetClaim } from '../domain/owner-budget';
import { budgetParts } from './owner-rate';
import { notSuspended } from './owner-status';
import { ownerItemKey, TABLE } from './table-schema';

/**
 * The items of the store's transactions, each with the condition that makes
 * it safe. Every change of a key goes with its audit events, in one transaction.
 */

export interface SlotClaimOptions {
  /**
   * For a create: the owner's imported keys count too (imported-slots.ts).
   * `limit` is then the room left beside the unexpired imported keys seen,
   * and the claim holds only while `importedTotal` is still at most what was
   * seen (a concurrent import would have taken room).
   */
  readonly importedSeen?: number | undefined;
  /** Changes to the imported counts made with the claim (a rotation of a key that counts among them). */
  readonly importedDeltas?: ImportedDeltas | undefined;
  /** No limit: a rotation whose new key counts among the imported ones replaces a counted key, it adds none. */
  readonly unlimited?: boolean | undefined;
  /** The owner's budget of creates and rotations, spent by this claim (owner-rate.ts). */
  readonly budget?: BudgetClaim | undefined;
  /** When the token of the owner making this write was issued (epoch ms): see owner-status.ts. */
  readonly tokenIssuedAtMs?: number | undefined;
}

/**
 * Sets the owner's active-key slots (key id → the epoch second it stops
 * counting), only while the owner holds fewer than `limit`: the guard that
 * holds the per-owner limit under concurrent writes. Also only while Auth0
 * has not reported the owner blocked or deleted (owner-status.ts), and, with
 * a `budget`, while the owner has one to spend.
 */
export function claimSlots(
  tableName: string,
  ownerId: string,
  slots: Readonly<Record<string, number>>,
  limit: number,
  options: SlotClaimOptions = {},
): TransactItem {
  const entries = Object.entries(slots);
  const imported = importedDeltaParts(options.importedDeltas ?? {});
  const seen = options.unlimited === true ? undefined : options.importedSeen;
  const budget = options.budget === undefined ? undefined : budgetParts(options.budget);
  const slotCondition =
    options.unlimited === true
      ? 'attribute_exists(activeKeys)'
      : seen === undefined
        ? 'size(activeKeys) < :limit'
        : `size(activeKeys) < :limit AND (attribute_not_exists(${IMPORTED_TOTAL}) OR ${IMPORTED_TOTAL} <= :importedSeen)`;
  const guard = notSuspended(options.tokenIssuedAtMs ?? 0);
  const condition = [slotCondition, guard.condition, ...(budget === undefined ? [] : [budget.condition])].join(' AND ');
  return {
    Update: {
      TableName: tableName,
      Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
      UpdateExpression: `SET ${[...entries.map((_, i) => `activeKeys.#k${i} = :v${i}`), ...imported.set, ...(budget?.set ?? [])].join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([keyId], i) => [`#k${i}`, keyId])), ...imported.names },
      ExpressionAttributeValues: {
        ...Object.fromEntries(entries.map(([, until], i) => [`:v${i}`, until])),
        ...(options.unlimited === true ? {} : { ':limit': limit }),
        ...(seen !== undefined ? { ':importedSeen': seen } : {}),
        ...imported.values,
        ...guard.values,
        ...(budget?.values ?? {}),
      },
    },
  };
}

/**
 * Frees a revoked key's slot (and, for a key that still counted among the
 * imported ones, takes it off its count); fails when the owner has no slot
 * map at all (a key written by other means).
 */
export function releaseSlot(tableName: string, ownerId: string, keyId: string, importedBucket?: string): TransactItem {
  const release = importedDeltaParts(importedBucket === undefined ? {} : { [importedBucket]: -1 });
  return {
    Update: {
      TableName: tableName,
      Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
      UpdateExpression: `REMOVE activeKeys.#keyId${release.set.length === 0 ? '' : ` SET ${release.set.join(', ')}`}`,
      ConditionExpression:
        importedBucket === undefined
          ? 'attribute_exists(activeKeys)'
          : `attribute_exists(activeKeys) AND attribute_exists(${IMPORTED_COUNTS})`,
      ExpressionAttributeNames: { '#keyId': keyId, ...release.names },
      ...(release.set.length > 0 ? { ExpressionAttributeValues: { ...release.values } } : {}),
    },
  };
}

/** A new key, never over an existing one (a 128-bit id collision is a fault, not an overwrite). */
export function putNewKey(tableName: string, key: StoredKey): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: toItem(key),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

export function putEvents(tableName: string, events: readonly AuditEvent[]): TransactItem[] {
  return events.map((event, position) => ({ Put: { TableName: tableName, Item: toEventItem(event, position) } }));
}

/**
 * Revocation is final: only the owner, only once, and only while the key
 * still has the expiry it was read with (the count an imported key is taken
 * off is found by it, and a rotation moves it). The item's expiry, its TTL,
 * becomes `purgeAt` when that is sooner: a tombstone stays for the retention
 * (REVOKED_RETENTION_DAYS), not for the rest of the key's life. It leaves the
 * expiry index, and keeps why, when that was not its owner's doing (`revocation`).
 */
export function revokeKeyItem(
  tableName: string,
  key: { readonly ownerId: string; readonly keyId: string; readonly expiresAt: number },
  at: Date,
  purgeAt: number,
  revocation?: KeyRevocation,
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: { [TABLE.partitionKey]: key.keyId },
      UpdateExpression: `SET revokedAt = :at, expiresAt = :purgeAt${revocation !== undefined ? ', revocation = :revocation' : ''} REMOVE #expiryDay`,
      ConditionExpression: 'ownerId = :owner AND attribute_not_exists(revokedAt) AND expiresAt = :expiresAt',
      ExpressionAttributeNames: { '#expiryDay': TABLE.expiryIndex.partitionKey },
      ExpressionAttributeValues: {
        ':at': at.toISOString(),
        ':owner': key.ownerId,
        ':expiresAt': key.expiresAt,
        ':purgeAt': Math.min(key.expiresAt, purgeAt),
        ...(revocation !== undefined ? { ':revocation': { ...revocation } } : {}),
      },
    },
  };
}

/**
 * Shortens the old key to its grace period and links it to its successor, while it is still owned, live and
 * unrotated. It leaves the expiry index: the end of a grace period is no news to the owner who chose it.
 */
export function retireRotatedKey(tableName: string, rotation: KeyRotation, now: Date): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: { [TABLE.partitionKey]: rotation.oldKey.keyId },
      UpdateExpression: 'SET expiresAt = :graceEndsAt, rotatedAt = :at, replacedBy = :newKeyId REMOVE #expiryDay',
      ConditionExpression: 'ownerId = :owner AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND expiresAt > :now',
      ExpressionAttributeNames: { '#expiryDay': TABLE.expiryIndex.partitionKey },
      ExpressionAttributeValues: {
        ':graceEndsAt': rotation.graceEndsAt,
        ':at': rotation.rotatedAt,
        ':newKeyId': rotation.newKey.keyId,
        ':owner': rotation.oldKey.ownerId,
        ':now': epochSeconds(now),
      },
    },
  };
}

/** A rename and/or enable/disable, applied only while the key still has the expected name and state. */
export function changeKeyItem(tableName: string, update: KeyUpdate): TransactItem {
  const set: string[] = [];
  const remove: string[] = [];
  const values: Record<string, unknown> = { ':owner': update.ownerId };
  if (update.expected.name !== undefined) values[':expectedName'] = update.expected.name;
  if (update.name !== undefined) {
    set.push('#name = :name');
    values[':name'] = update.name;
  }
  if (update.disabledAt === null) {
    remove.push('disabledAt', 'disabledBy');
  } else if (update.disabledAt !== undefined) {
    set.push('disabledAt = :disabledAt');
    values[':disabledAt'] = update.disabledAt;
    if (update.disabledBy !== undefined) {
      set.push('disabledBy = :disabledBy');
      values[':disabledBy'] = update.disabledBy;
    }
  }
  if (update.keepPausedByOwner === true) remove.push('disabledBy');
  if (update.expectedDisabledBy !== undefined) values[':expectedDisabledBy'] = update.expectedDisabledBy;
  const expression = [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '']
    .filter((part) => part !== '')
    .join(' ');
  const disabled = update.expected.disabled
    ? `attribute_exists(disabledAt)${update.expectedDisabledBy !== undefined ? ' AND disabledBy = :expectedDisabledBy' : ''}`
    : 'attribute_not_exists(disabledAt)';
  return {
    Update: {
      TableName: tableName,
      Key: { [TABLE.partitionKey]: update.keyId },
      UpdateExpression: expression,
      ConditionExpression: `ownerId = :owner AND attribute_not_exists(revokedAt)${update.expected.name !== undefined ? ' AND #name = :expectedName' : ''} AND ${disabled}`,
      // DynamoDB refuses a name or value the expressions do not use.
      ...(update.name !== undefined || update.expected.name !== undefined ? { ExpressionAttributeNames: { '#name': 'name' } } : {}),
      ExpressionAttributeValues: values,
    },
  };
}
