import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { isSealedOutcome, type IdempotencyRecord } from '../domain/idempotency';
import { epochSeconds, isEpochSeconds } from './item-mapping';
import type { TransactItem } from './named-transaction';
import { asStoreFault, type StoreContext } from './store-calls';
import { TABLE } from './table-schema';

/**
 * Idempotency records (lambdas/domain/idempotency.ts): one item per owner
 * and Idempotency-Key, `pk = idem#<recordId>`, holding the request's
 * fingerprint and its first outcome, sealed. Key ids are 22 base62
 * characters and never contain `#`, so this item can never collide with a
 * key item (nor with `owner#`, `event#` or `import#` ones: another prefix),
 * and the authorizer, whose IAM policy reads key items only
 * (lib/table-access.ts), can never read one.
 *
 * The owner and the time are kept as `recordOwner` and `recordedAt`, never
 * `ownerId` and `createdAt`: an item with both would be projected into the
 * owner index (table-schema.ts) and listed among the owner's keys.
 * `expiresAt` is the table's TTL attribute, so DynamoDB purges a record
 * some time (up to days) after its window.
 */

type Item = Record<string, unknown>;

export type { IdempotencyRecord };

const RECORD_PREFIX = 'idem#';
const OWNER = 'recordOwner';
const RECORDED_AT = 'recordedAt';
const HEX_DIGEST = /^[0-9a-f]{64}$/;

export const idempotencyItemKey = (recordId: string): string => `${RECORD_PREFIX}${recordId}`;

const isIsoTime = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** The item a record is stored as (what putIdempotencyRecord puts). */
export function toIdempotencyItem(record: IdempotencyRecord): Item {
  return {
    [TABLE.partitionKey]: idempotencyItemKey(record.recordId),
    recordId: record.recordId,
    [OWNER]: record.ownerId,
    fingerprint: record.fingerprint,
    sealed: { v: record.sealed.v, iv: record.sealed.iv, data: record.sealed.data, tag: record.sealed.tag },
    [RECORDED_AT]: record.createdAt,
    [TABLE.ttlAttribute]: record.expiresAt,
  };
}

/** The record an item holds; undefined when any field is missing or mistyped, or it is not stored under its own id. */
export function toIdempotencyRecord(item: Item): IdempotencyRecord | undefined {
  const { recordId, fingerprint, sealed } = item;
  const ownerId = item[OWNER];
  const createdAt = item[RECORDED_AT];
  const expiresAt = item[TABLE.ttlAttribute];
  if (
    typeof recordId !== 'string' ||
    !HEX_DIGEST.test(recordId) ||
    item[TABLE.partitionKey] !== idempotencyItemKey(recordId) ||
    typeof ownerId !== 'string' ||
    ownerId === '' ||
    typeof fingerprint !== 'string' ||
    !HEX_DIGEST.test(fingerprint) ||
    !isSealedOutcome(sealed) ||
    !isIsoTime(createdAt) ||
    !isEpochSeconds(expiresAt)
  ) {
    return undefined;
  }
  return {
    recordId,
    ownerId,
    fingerprint,
    sealed: { v: sealed.v, iv: sealed.iv, data: sealed.data, tag: sealed.tag },
    createdAt,
    expiresAt,
  };
}

/**
 * The record, for a transaction with the write it records: only where there
 * is none, or only one whose window is over by `now` (TTL deletion lags by up
 * to days, so an expired record must not block a new one). A failed
 * condition means the Idempotency-Key is in use: read the record.
 */
export function putIdempotencyRecord(tableName: string, record: IdempotencyRecord, now: Date): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: toIdempotencyItem(record),
      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#expiresAt': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':now': epochSeconds(now) },
    },
  };
}

/**
 * The record, read strongly consistently; undefined when there is none or
 * its window is over by `now`. An item of the wrong shape is a fault
 * (DependencyUnavailableError, STORE_UNAVAILABLE): never trusted, never
 * taken for absent (which would make a second key).
 */
export async function readIdempotencyRecord(context: StoreContext, recordId: string, now: Date): Promise<IdempotencyRecord | undefined> {
  return asStoreFault(async () => {
    const { Item } = await context.client.send(
      new GetCommand({ TableName: context.tableName, Key: { [TABLE.partitionKey]: idempotencyItemKey(recordId) }, ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const record = toIdempotencyRecord(Item);
    if (record?.recordId !== recordId) throw new Error('An idempotency record item has the wrong shape');
    return record.expiresAt <= epochSeconds(now) ? undefined : record;
  });
}
