import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { auditEvent, type AuditEvent, type AuditEventType } from '../../lambdas/domain/audit-event';
import { toEventItem } from '../../lambdas/store/item-mapping';

const FIXTURES = join(__dirname, '../fixtures/dynamodb-stream');

/** test/fixtures/dynamodb-stream/<name>.json (its README says where each comes from). */
export function streamFixture(name: 'aws-lambda-sample-event' | 'dynamodb-local-key-changes'): DynamoDBStreamEvent {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as DynamoDBStreamEvent;
}

/** The captured records of new audit event items, in stream order. */
export const capturedEventInserts = (): DynamoDBRecord[] =>
  streamFixture('dynamodb-local-key-changes').Records.filter(
    (record) => record.eventName === 'INSERT' && record.dynamodb?.Keys?.pk?.S?.startsWith('event#') === true,
  );

/** A plain string attribute of a record's image, read from the JSON itself (not through the code under test). */
export const imageString = (record: DynamoDBRecord, name: string): string | undefined => record.dynamodb?.NewImage?.[name]?.S;

/**
 * A new audit item's record, as the captured ones are but for an item made here by the store's own mapping
 * (toEventItem): the record's other fields are a captured record's.
 */
export function eventItemRecord(event: AuditEvent, sequenceNumber: string, position = 0): DynamoDBRecord {
  const template = capturedEventInserts()[0];
  if (template === undefined) throw new Error('The captured fixture has no audit event item');
  const image = marshall(toEventItem(event, position), { removeUndefinedValues: true }) as Record<string, AttributeValue>;
  const { pk } = image;
  if (pk === undefined) throw new Error('An event item without its key');
  return { ...template, dynamodb: { ...template.dynamodb, Keys: { pk }, NewImage: image, SequenceNumber: sequenceNumber } };
}

/** An audit event as the service makes them, from a caller with an address and a user agent to leak. */
export function sampleAuditEvent(type: AuditEventType, index = 0, details?: Record<string, string>): AuditEvent {
  const keyId = `Key${String(index).padStart(19, '0')}`;
  return auditEvent(
    { sub: 'auth0|sample-owner', sourceIp: '198.51.100.23', userAgent: 'sample-agent/2.0' },
    { keyId, ownerId: 'auth0|sample-owner' },
    type,
    new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + index * 1000),
    30,
    details,
  );
}

/** `count` new audit items' records, sequence numbers 1000, 1001, ... */
export const eventRecords = (count: number, type: AuditEventType = 'create'): DynamoDBRecord[] =>
  Array.from({ length: count }, (_, index) => eventItemRecord(sampleAuditEvent(type, index), String(1000 + index)));

/** A logger that keeps what it is told, for tests that read logs. */
export function recordingLogger() {
  const entries: { level: 'debug' | 'info' | 'warn' | 'error'; message: string; data: unknown[] }[] = [];
  const at =
    (level: (typeof entries)[number]['level']) =>
    (message: string, ...data: unknown[]): void =>
      void entries.push({ level, message, data });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), entries, text: () => JSON.stringify(entries) };
}
