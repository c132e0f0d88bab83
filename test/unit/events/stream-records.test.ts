import type { DynamoDBRecord } from 'aws-lambda';
import { AUDIT_EVENT_TYPES } from '../../../lambdas/domain/audit-event';
import { readStreamRecord } from '../../../lambdas/events/stream-records';
import { capturedEventInserts, eventItemRecord, imageString, sampleAuditEvent, streamFixture } from '../../support/stream-records';

const captured = streamFixture('dynamodb-local-key-changes').Records;
const pkOf = (record: DynamoDBRecord): string => record.dynamodb?.Keys?.pk?.S ?? '';

/** A copy of a record with its image changed. */
function withImage(record: DynamoDBRecord, change: (image: Record<string, unknown>) => void): DynamoDBRecord {
  const copy = structuredClone(record);
  change(copy.dynamodb?.NewImage as Record<string, unknown>);
  return copy;
}

describe('readStreamRecord', () => {
  it("skips every record of AWS's documented sample event: none is an audit event item's INSERT", () => {
    expect(streamFixture('aws-lambda-sample-event').Records.map(readStreamRecord)).toEqual([
      { kind: 'skipped', reason: 'not-an-event-item' },
      { kind: 'skipped', reason: 'not-an-insert' },
      { kind: 'skipped', reason: 'not-an-insert' },
    ]);
  });

  it('reads each captured audit item INSERT as its event: detail-type, detail field by field, eventId the item key', () => {
    const inserts = capturedEventInserts();
    expect(inserts.map((record) => imageString(record, 'type'))).toEqual([
      'create',
      'rename',
      'disable',
      'enable',
      'rotate',
      'create',
      'revoke',
      'create',
      'revoke',
      'revoke',
    ]);
    for (const record of inserts) {
      const details = Object.fromEntries(
        Object.entries(record.dynamodb?.NewImage?.details?.M ?? {}).map(([name, value]) => [name, value.S ?? '']),
      );
      expect(readStreamRecord(record)).toEqual({
        kind: 'event',
        event: {
          detailType: `Key ${imageString(record, 'type') ?? ''}`,
          detail: {
            keyId: imageString(record, 'eventKeyId'),
            ownerId: imageString(record, 'keyOwner'),
            type: imageString(record, 'type'),
            actor: imageString(record, 'actor'),
            at: imageString(record, 'at'),
            details,
            eventId: pkOf(record),
          },
        },
      });
    }
    // Auth0's deletion of the owner revokes with its own actor and says which report did it.
    expect(readStreamRecord(inserts[9]!)).toMatchObject({
      event: { detailType: 'Key revoke', detail: { actor: 'auth0:user.deleted', details: { source: 'log:sdu' } } },
    });
  });

  it('skips key, owner and idempotency items, their changes, and the REMOVE of a TTL deletion', () => {
    const inserts = new Set(capturedEventInserts().map((record) => record.dynamodb?.SequenceNumber));
    const others = captured.filter((record) => !inserts.has(record.dynamodb?.SequenceNumber));
    expect(new Set(others.map((record) => record.eventName))).toEqual(new Set(['INSERT', 'MODIFY', 'REMOVE']));
    for (const record of others) {
      expect(readStreamRecord(record)).toEqual({
        kind: 'skipped',
        reason: record.eventName === 'INSERT' ? 'not-an-event-item' : 'not-an-insert',
      });
    }
    // Every kind of item the store writes is among them (a key item's key has no `#`).
    const kinds = new Set(others.map((record) => (pkOf(record).includes('#') ? pkOf(record).split('#')[0] : 'key')));
    expect(kinds).toEqual(new Set(['owner', 'idem', 'key', 'event']));
  });

  it.each(AUDIT_EVENT_TYPES)('reads a %s item written by the store mapping as its `Key <type>` event', (type) => {
    const details = type === 'leak_revoke' ? { url: 'https://github.com/o/r/blob/x/.env', source: 'content' } : undefined;
    const event = sampleAuditEvent(type, 3, details);
    const record = eventItemRecord(event, '42');
    expect(readStreamRecord(record)).toEqual({
      kind: 'event',
      event: {
        detailType: `Key ${type}`,
        detail: {
          keyId: event.keyId,
          ownerId: event.keyOwner,
          type,
          actor: event.actor,
          at: event.at,
          details: details ?? {},
          eventId: pkOf(record),
        },
      },
    });
  });

  it('puts nothing secret in a detail: no hash, address, user agent or TTL, even one the image should not hold', () => {
    const secrets = captured.flatMap((record) => [imageString(record, 'secretHash'), record.dynamodb?.NewImage?.sealed?.M?.data?.S]);
    const addresses = captured.flatMap((record) => [imageString(record, 'sourceIp'), imageString(record, 'userAgent')]);
    // Not `auth0`, the user agent of Auth0's changes, which every owner id here contains.
    const known = [...secrets, ...addresses].filter((value): value is string => value !== undefined && value.length > 5);
    expect(known).toEqual(expect.arrayContaining(['203.0.113.7', 'fixture-agent/1.0 (stream capture)']));
    expect(known.length).toBeGreaterThan(10);
    // An audit item carrying what only a key item has: nothing of it may get through.
    const tainted = withImage(capturedEventInserts()[0]!, (image) => {
      image.secretHash = { S: secrets.find((value) => value !== undefined) };
      image.sourceIp = { S: '192.0.2.99' };
    });
    const published = JSON.stringify([...captured, tainted].map(readStreamRecord));
    for (const value of [...known, '192.0.2.99']) expect(published).not.toContain(value);
    for (const name of ['secretHash', 'sourceIp', 'userAgent', 'expiresAt', 'sealed']) expect(published).not.toContain(name);
  });

  describe('an audit item INSERT that can never be read is malformed, not thrown', () => {
    const good = (): DynamoDBRecord => structuredClone(capturedEventInserts()[1]!);

    it.each([
      ['no-image', (record: DynamoDBRecord) => delete record.dynamodb?.NewImage],
      // Beyond 2^53 a whole number is a BigInt, no epoch seconds; a fraction cannot be read at all.
      ['invalid-event', (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { expiresAt: { N: '9'.repeat(40) } })],
      [
        'unreadable-image',
        (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { expiresAt: { N: `${'9'.repeat(40)}.5` } }),
      ],
      ['unreadable-image', (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { actor: {} })],
      ['invalid-event', (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { type: { S: 'explode' } })],
      ['invalid-event', (record: DynamoDBRecord) => delete record.dynamodb?.NewImage?.keyOwner],
      ['invalid-event', (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { details: { M: { n: { N: '1' } } } })],
      ['invalid-time', (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { at: { S: 'yesterday' } })],
      ['key-mismatch', (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { pk: { S: 'event#other' } })],
      [
        'key-mismatch',
        (record: DynamoDBRecord) => Object.assign(record.dynamodb?.NewImage ?? {}, { eventKeyId: { S: 'AnotherKeyId0000000000' } }),
      ],
    ] as const)('%s', (problem, spoil) => {
      const record = good();
      expect(readStreamRecord(record).kind).toBe('event');
      spoil(record);
      expect(readStreamRecord(record)).toEqual({ kind: 'malformed', problem });
    });
  });
});
