import { EventBridgeClient, PutEventsCommand, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createEventBridgeClient,
  EventBridgePublisher,
  EVENTBRIDGE_TIMEOUTS,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_WORST_CASE_MS,
} from '../../../lambdas/events/eventbridge-publisher';
import type { LifecycleEvent } from '../../../lambdas/events/lifecycle-event';
import { lifecycleDetail } from '../../../lambdas/events/stream-records';
import { worstCaseMs } from '../../../lambdas/runtime/call-timeouts';
import { recordingLogger, sampleAuditEvent } from '../../support/stream-records';

/** A mocked EventBridge (no AWS call); fixed credentials, so the SDK looks none up. */
const client = () => new EventBridgeClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

const events = (count: number, details?: Record<string, string>): LifecycleEvent[] =>
  Array.from({ length: count }, (_, index) => {
    const audit = sampleAuditEvent('rename', index, details ?? { from: `old ${index}`, to: `new ${index}` });
    return { detailType: 'Key rename', detail: lifecycleDetail(audit, `event#${audit.keyId}#${audit.at}#0#abc`) };
  });

const taken = (count: number): PutEventsResultEntry[] => Array.from({ length: count }, (_, index) => ({ EventId: `id-${index}` }));

describe('EventBridgePublisher', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => eventBridge.reset());
  afterAll(() => {
    eventBridge.restore();
  });
  const calls = () => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);

  it('sends 25 events in order as 3 PutEvents calls of at most 10 entries, each its Source, DetailType, Detail and Time', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: taken(input.Entries.length) }));
    const sent = events(25);
    await expect(new EventBridgePublisher({ client: client() }).publish(sent)).resolves.toEqual({ failed: [] });
    expect(calls().map((entries) => entries.length)).toEqual([10, 10, 5]);
    const entries = calls().flat();
    expect(entries).toEqual(
      sent.map((event) => ({
        Source: 'user-api-keys',
        DetailType: 'Key rename',
        Detail: JSON.stringify(event.detail),
        Time: new Date(event.detail.at),
      })),
    );
    // No bus named: the default one (EventBusName left out), and no Resources (a key has no ARN).
    for (const entry of entries) expect(Object.keys(entry).sort()).toEqual(['Detail', 'DetailType', 'Source', 'Time']);
  });

  it('names the bus on every entry when given one, by name or ARN', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: taken(2) });
    const bus = 'arn:aws:events:eu-west-1:123456789012:event-bus/keys';
    await new EventBridgePublisher({ client: client(), eventBusName: bus }).publish(events(2));
    expect(
      calls()
        .flat()
        .map((entry) => entry.EventBusName),
    ).toEqual([bus, bus]);
  });

  it('keeps each call under 256 KB, as EventBridge counts entry sizes', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: taken(input.Entries.length) }));
    // About 100 KB of detail each: two fit in a call, three do not.
    await new EventBridgePublisher({ client: client() }).publish(events(5, { note: 'é'.repeat(50_000) }));
    expect(calls().map((entries) => entries.length)).toEqual([2, 2, 1]);
    for (const entries of calls()) {
      const bytes = entries.reduce(
        (sum, entry) =>
          sum +
          14 +
          Buffer.byteLength(entry.Source ?? '') +
          Buffer.byteLength(entry.DetailType ?? '') +
          Buffer.byteLength(entry.Detail ?? ''),
        0,
      );
      expect(bytes).toBeLessThan(PUT_EVENTS_MAX_BYTES);
    }
  });

  it('reports each entry EventBridge refuses, and sends nothing after the call that had one (all of it failed)', async () => {
    const logger = recordingLogger();
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: taken(10) })
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [...taken(3), { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }, ...taken(6)],
      });
    const { failed } = await new EventBridgePublisher({ client: client(), logger }).publish(events(25));
    expect(failed).toEqual([13, ...Array.from({ length: 5 }, (_, i) => 20 + i)]);
    expect(calls()).toHaveLength(2);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        message: 'EventBridge refused an event',
        data: [{ position: 13, detailType: 'Key rename', errorCode: 'ThrottlingException' }],
      },
    ]);
    expect(logger.text()).not.toContain('old 13');
  });

  it('counts an entry the response does not answer for as refused', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: taken(2) });
    await expect(new EventBridgePublisher({ client: client() }).publish(events(3))).resolves.toEqual({ failed: [2] });
  });

  it('refuses, unsent, an entry too large for any call, and the rest with it', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: taken(1) });
    const [small, ...rest] = events(3);
    const huge = events(1, { note: 'x'.repeat(PUT_EVENTS_MAX_BYTES) })[0]!;
    const { failed } = await new EventBridgePublisher({ client: client() }).publish([small!, huge, ...rest]);
    expect(failed).toEqual([1, 2, 3]);
    expect(calls()).toHaveLength(1);
  });

  it('rejects when the call itself fails (a fault, after the SDK retries)', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('socket hang up'));
    await expect(new EventBridgePublisher({ client: client() }).publish(events(1))).rejects.toThrow('socket hang up');
  });

  it('sends nothing for no events', async () => {
    await expect(new EventBridgePublisher({ client: client() }).publish([])).resolves.toEqual({ failed: [] });
    expect(calls()).toHaveLength(0);
  });

  it('makes its client with bounded timeouts and retries', async () => {
    const made = createEventBridgeClient();
    expect(await made.config.maxAttempts()).toBe(EVENTBRIDGE_TIMEOUTS.maxAttempts);
    expect(PUT_EVENTS_WORST_CASE_MS).toBe(worstCaseMs(EVENTBRIDGE_TIMEOUTS));
    expect(PUT_EVENTS_WORST_CASE_MS).toBeLessThanOrEqual(15_000);
    made.destroy();
  });
});
