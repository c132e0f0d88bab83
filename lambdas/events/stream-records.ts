import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { AuditEvent } from '../domain/audit-event';
import { toAuditEvent } from '../store/item-mapping';
import { EVENT_ITEM_PREFIX, TABLE } from '../store/table-schema';
import { lifecycleDetailType, type LifecycleDetail, type LifecycleEvent } from './lifecycle-event';

/**
 * One record of the table's stream, as Lambda delivers it
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-sample-dynamodb): `eventName`, and under
 * `dynamodb` the item's `Keys`, its `NewImage` (the table's view type is NEW_IMAGE), `SequenceNumber` and
 * `ApproximateCreationDateTime` (epoch seconds), all attribute values in DynamoDB's JSON.
 *
 * Only the INSERT of an audit event item is an event: key, owner, idempotency and import items are not, and an
 * event item is never modified, only removed by TTL (a REMOVE).
 */
export type StreamRecordReading =
  | { readonly kind: 'event'; readonly event: LifecycleEvent }
  | { readonly kind: 'skipped'; readonly reason: 'not-an-insert' | 'not-an-event-item' }
  /** An event item's INSERT that cannot be read: it never will be, so retrying it would only block the shard. */
  | { readonly kind: 'malformed'; readonly problem: MalformedProblem };

/** Which check failed, never what the image held. */
export type MalformedProblem = 'no-image' | 'unreadable-image' | 'key-mismatch' | 'invalid-event' | 'invalid-time';

const skipped = (reason: 'not-an-insert' | 'not-an-event-item'): StreamRecordReading => ({ kind: 'skipped', reason });
const malformed = (problem: MalformedProblem): StreamRecordReading => ({ kind: 'malformed', problem });

export function readStreamRecord(record: DynamoDBRecord): StreamRecordReading {
  if (record.eventName !== 'INSERT') return skipped('not-an-insert');
  const pk = record.dynamodb?.Keys?.[TABLE.partitionKey]?.S;
  if (!pk?.startsWith(EVENT_ITEM_PREFIX)) return skipped('not-an-event-item');
  const image = record.dynamodb?.NewImage;
  if (image === undefined) return malformed('no-image');
  let item: Record<string, unknown>;
  try {
    // Lambda's JSON has the SDK's AttributeValue shape. An attribute of no known type, or a number that cannot be
    // read without losing digits, throws.
    item = unmarshall(image as Record<string, AttributeValue>);
  } catch {
    return malformed('unreadable-image');
  }
  if (item[TABLE.partitionKey] !== pk) return malformed('key-mismatch');
  // The same checks the key's history applies when it reads the item back.
  const event = toAuditEvent(item);
  if (event === undefined) return malformed('invalid-event');
  // The item key names its key: `event#<keyId>#...` (table-schema.ts eventItemKey).
  if (!pk.startsWith(`${EVENT_ITEM_PREFIX}${event.keyId}#`)) return malformed('key-mismatch');
  // EventBridge's `time` is the change's: a time that is no date could never be sent.
  if (Number.isNaN(Date.parse(event.at))) return malformed('invalid-time');
  return { kind: 'event', event: { detailType: lifecycleDetailType(event.type), detail: lifecycleDetail(event, pk) } };
}

/**
 * Field by field, so nothing else in the item (its address, user agent, TTL) can reach the bus; `eventId` is
 * the item's key, the same on every redelivery of the record.
 */
export function lifecycleDetail(event: AuditEvent, eventId: string): LifecycleDetail {
  return {
    keyId: event.keyId,
    ownerId: event.keyOwner,
    type: event.type,
    actor: event.actor,
    at: event.at,
    details: Object.fromEntries(Object.entries(event.details ?? {})),
    eventId,
  };
}
