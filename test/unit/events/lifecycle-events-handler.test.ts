import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher, PUT_EVENTS_WORST_CASE_MS } from '../../../lambdas/events/eventbridge-publisher';
import { createLifecycleEventsHandler } from '../../../lambdas/handlers/lifecycle-events';
import { capturedEventInserts, eventRecords, imageString, recordingLogger, streamFixture } from '../../support/stream-records';

/** The handler Lambda runs, over the real publisher and a mocked EventBridge (no AWS call). */
function system() {
  const logger = recordingLogger();
  const client = new EventBridgeClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const handler = createLifecycleEventsHandler({ publisher: new EventBridgePublisher({ client, logger }), logger });
  return { handler, logger };
}

const taken = (count: number): PutEventsResultEntry[] => Array.from({ length: count }, (_, index) => ({ EventId: `id-${index}` }));
const seq = (record: DynamoDBRecord | undefined): string => record?.dynamodb?.SequenceNumber ?? '';

describe('the lifecycle-events handler', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => {
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: taken(input.Entries.length) }));
  });
  afterEach(() => eventBridge.reset());
  afterAll(() => {
    eventBridge.restore();
  });
  const calls = (): PutEventsRequestEntry[][] => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
  const details = () => calls().flatMap((entries) => entries.map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>));

  it('publishes the audit events of a captured batch in stream order, and nothing for the other records', async () => {
    const { handler, logger } = system();
    const batch = streamFixture('dynamodb-local-key-changes');
    await expect(handler(batch)).resolves.toEqual({ batchItemFailures: [] });
    const inserts = capturedEventInserts();
    expect(calls().map((entries) => entries.length)).toEqual([10]);
    expect(
      calls()
        .flat()
        .map((entry) => entry.DetailType),
    ).toEqual(inserts.map((record) => `Key ${imageString(record, 'type') ?? ''}`));
    expect(details().map((detail) => detail.eventId)).toEqual(inserts.map((record) => record.dynamodb?.Keys?.pk?.S));
    expect(details().every((detail) => Object.keys(detail).join() === 'keyId,ownerId,type,actor,at,details,eventId')).toBe(true);
    // Counts by type, never what the events say.
    expect(logger.entries).toEqual([
      {
        level: 'info',
        message: 'lifecycle events',
        data: [
          {
            records: batch.Records.length,
            published: { create: 3, rename: 1, disable: 1, enable: 1, rotate: 1, revoke: 3 },
            skipped: { 'not-an-event-item': 5, 'not-an-insert': 16 },
          },
        ],
      },
    ]);
    expect(logger.text()).not.toContain('work laptop');
  });

  it('never sends a secret, a hash, an address or a user agent', async () => {
    const { handler } = system();
    const batch = streamFixture('dynamodb-local-key-changes');
    await handler(batch);
    const sent = JSON.stringify(calls());
    const hashes = batch.Records.map((record) => imageString(record, 'secretHash')).filter((hash) => hash !== undefined);
    expect(hashes.length).toBeGreaterThanOrEqual(3);
    for (const value of [...hashes, '203.0.113.7', 'fixture-agent/1.0']) expect(sent).not.toContain(value);
    for (const name of ['secretHash', 'sourceIp', 'userAgent', 'sealed', 'expiresAt']) expect(sent).not.toContain(name);
  });

  it('skips a malformed audit item with a warning, and publishes the rest', async () => {
    const { handler, logger } = system();
    const [first, broken, third] = eventRecords(3);
    delete broken?.dynamodb?.NewImage?.type;
    await expect(handler({ Records: [first, broken, third] as DynamoDBRecord[] })).resolves.toEqual({ batchItemFailures: [] });
    expect(details().map((detail) => detail.eventId)).toEqual([first, third].map((record) => record?.dynamodb?.Keys?.pk?.S));
    expect(logger.entries.filter((entry) => entry.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'stream record skipped: an audit event item that cannot be read',
        data: [{ problem: 'invalid-event', sequenceNumber: seq(broken) }],
      },
    ]);
  });

  it('publishes 25 events in 3 calls of at most 10', async () => {
    const { handler } = system();
    await expect(handler({ Records: eventRecords(25) })).resolves.toEqual({ batchItemFailures: [] });
    expect(calls().map((entries) => entries.length)).toEqual([10, 10, 5]);
  });

  it('answers the first refused entry as the batch failure, and publishes nothing after its call', async () => {
    const { handler, logger } = system();
    const records = eventRecords(25);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: taken(10) })
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [...taken(4), { ErrorCode: 'InternalFailure' }, ...taken(2), { ErrorCode: 'InternalFailure' }, ...taken(2)],
      });
    await expect(handler({ Records: records })).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: seq(records[14]) }] });
    expect(calls()).toHaveLength(2);
    expect(logger.entries.at(-1)).toMatchObject({
      level: 'warn',
      data: [{ published: { create: 18 }, cause: 'refused', retryFrom: seq(records[14]) }],
    });
  });

  it('answers the first record of the call that failed as the batch failure when EventBridge cannot be reached', async () => {
    const { handler, logger } = system();
    const records = eventRecords(25);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: taken(10) })
      .rejectsOnce(new Error('connect ETIMEDOUT'));
    await expect(handler({ Records: records })).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: seq(records[10]) }] });
    expect(calls()).toHaveLength(2);
    expect(logger.entries.find((entry) => entry.level === 'error')).toMatchObject({
      message: 'publishing lifecycle events failed',
      data: [{ errorName: 'Error', errorMessage: 'connect ETIMEDOUT' }],
    });
  });

  it('names the failed record among records that are no events: the audit item, not a neighbour', async () => {
    const { handler } = system();
    const captured = streamFixture('dynamodb-local-key-changes').Records;
    eventBridge.on(PutEventsCommand).rejects(new Error('down'));
    await expect(handler({ Records: captured })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: seq(capturedEventInserts()[0]) }],
    });
  });

  it('stops before a call that could outlast the invocation, answering the next record to publish', async () => {
    const { handler } = system();
    const records = eventRecords(15);
    // Time for one call and its margin, then not for a second.
    const left = [PUT_EVENTS_WORST_CASE_MS + 2000, PUT_EVENTS_WORST_CASE_MS + 500];
    const context = { getRemainingTimeInMillis: () => left.shift() ?? 0 };
    await expect(handler({ Records: records }, context)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: seq(records[10]) }] });
    expect(calls().map((entries) => entries.length)).toEqual([10]);
  });

  it('answers success, publishing nothing, for an empty batch and for one with no audit events', async () => {
    const { handler } = system();
    await expect(handler({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
    await expect(handler(streamFixture('aws-lambda-sample-event'))).resolves.toEqual({ batchItemFailures: [] });
    expect(calls()).toHaveLength(0);
  });

  it('fails the invocation when the record to retry from has no sequence number (Lambda then retries the batch whole)', async () => {
    const { handler } = system();
    const [record] = eventRecords(1);
    delete record?.dynamodb?.SequenceNumber;
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(handler({ Records: [record!] })).rejects.toThrow('no SequenceNumber');
  });
});
