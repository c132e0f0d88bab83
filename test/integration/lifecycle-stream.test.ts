import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../../lambdas/domain/audit-event';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { KeyService } from '../../lambdas/domain/key-service';
import type { LifecycleEvent, LifecyclePublisher, PublishOutcome } from '../../lambdas/events/lifecycle-event';
import { NdjsonFilePublisher } from '../../lambdas/events/local-publishers';
import { createLifecycleEventsHandler } from '../../lambdas/handlers/lifecycle-events';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { startLifecycleStream, type LifecycleStream, type LifecycleStreamOptions } from '../../local/lifecycle-stream';
import { freshTable, testDynamoDb } from '../support/dynamodb';
import { testKeyPolicy } from '../support/key-policy';
import { recordingLogger } from '../support/stream-records';

/** Takes events as EventBridge would, or, as scripted call by call, refuses from the second one on, or fails. */
class RecordingPublisher implements LifecyclePublisher {
  readonly delivered: LifecycleEvent[] = [];
  calls = 0;

  constructor(private readonly script: readonly ('take' | 'refuse' | 'fail')[] = []) {}

  publish(events: readonly LifecycleEvent[]): Promise<PublishOutcome> {
    const step = this.script[this.calls] ?? 'take';
    this.calls += 1;
    if (step === 'fail') return Promise.reject(new Error('the bus is down'));
    const taken = step === 'refuse' ? Math.min(1, events.length - 1) : events.length;
    this.delivered.push(...events.slice(0, taken));
    return Promise.resolve({ failed: events.map((_, index) => index).slice(taken) });
  }
}

const caller = (sub: string): Caller => ({ sub, sourceIp: '203.0.113.9', userAgent: 'stream-test', tokenIssuedAtMs: Date.now() - 60_000 });

describe('the local lifecycle stream, on DynamoDB Local, with the handler Lambda runs', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let service: KeyService;
  let store: DynamoKeyStore;

  beforeAll(async () => {
    // A table made as npm start makes it (createTableInput): its stream is on.
    ({ client, tableName } = await freshTable());
    store = new DynamoKeyStore({ client, tableName });
    service = new KeyService({ store, format: new KeyFormat('uak'), policy: testKeyPolicy() });
  });
  afterAll(() => {
    client.destroy();
  });
  // Also when a test times out before its own stop(): a stream left polling would keep jest from exiting.
  const running: LifecycleStream[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((stream) => stream.stop()));
  });

  const start = async (publisher: LifecyclePublisher, options: Partial<LifecycleStreamOptions> = {}): Promise<LifecycleStream> => {
    const logger = options.logger ?? recordingLogger();
    const handler = options.handler ?? createLifecycleEventsHandler({ publisher, logger });
    const stream = await startLifecycleStream({ ...testDynamoDb(), tableName, handler, logger, pollIntervalMs: 20, ...options });
    running.push(stream);
    return stream;
  };

  /** A key's history in the table, oldest first, as `type@at`. */
  const history = async (keyId: string): Promise<string[]> =>
    (await store.listEvents(keyId, { limit: 100 })).events.map((event) => `${event.type}@${event.at}`).reverse();
  const delivered = (publisher: RecordingPublisher, keyId: string): string[] =>
    publisher.delivered.filter((event) => event.detail.keyId === keyId).map((event) => `${event.detail.type}@${event.detail.at}`);

  /** Two keys' lives, interleaved: create, rename, disable, enable, rotate (a successor), revoke. */
  async function changeKeys(owner: string): Promise<string[]> {
    const who = caller(owner);
    const first = await service.create(who, { name: 'one', scopes: ['read'] });
    const second = await service.create(who, { name: 'two', scopes: ['read'] });
    await service.update(who, first.id, { name: 'one, renamed' });
    await service.update(who, second.id, { enabled: false });
    await service.update(who, second.id, { enabled: true });
    const successor = await service.rotate(who, first.id, { gracePeriodSeconds: 60 });
    await service.revoke(who, second.id);
    await service.update(who, successor.id, { name: 'one, rotated' });
    return [first.id, second.id, successor.id];
  }

  it('publishes every change once, in order for each key, in the shape EventBridge is sent; nothing from before it started', async () => {
    const before = await service.create(caller('auth0|before'), { name: 'before', scopes: ['read'] });
    const publisher = new RecordingPublisher();
    const stream = await start(publisher);
    let keys: string[];
    try {
      keys = await changeKeys('auth0|stream-owner');
      await stream.drain();
    } finally {
      await stream.stop();
    }
    for (const keyId of keys) {
      expect(delivered(publisher, keyId)).toEqual(await history(keyId));
      expect((await history(keyId)).length).toBeGreaterThan(0);
    }
    expect(publisher.delivered).toHaveLength((await Promise.all(keys.map(history))).flat().length);
    expect(new Set(publisher.delivered.map((event) => event.detail.eventId)).size).toBe(publisher.delivered.length);
    for (const { detailType, detail } of publisher.delivered) {
      expect(detailType).toBe(`Key ${detail.type}`);
      expect(Object.keys(detail)).toEqual(['keyId', 'ownerId', 'type', 'actor', 'at', 'details', 'eventId']);
      expect(detail.ownerId).toBe('auth0|stream-owner');
      expect(detail.eventId.startsWith(`event#${detail.keyId}#`)).toBe(true);
    }
    expect(JSON.stringify(publisher.delivered)).not.toMatch(/203\.0\.113\.9|stream-test/);
    // LATEST: a change made before the stream started is not published (a restart republishes nothing).
    expect(delivered(publisher, before.id)).toEqual([]);
  });

  it('retries as Lambda does, from the first record not published: each change still arrives once, in order', async () => {
    const publisher = new RecordingPublisher(['refuse', 'fail', 'take', 'refuse']);
    const stream = await start(publisher);
    let keys: string[];
    try {
      keys = await changeKeys('auth0|retried-owner');
      await stream.drain();
    } finally {
      await stream.stop();
    }
    expect(publisher.calls).toBeGreaterThan(4);
    for (const keyId of keys) expect(delivered(publisher, keyId)).toEqual(await history(keyId));
    expect(new Set(publisher.delivered.map((event) => event.detail.eventId)).size).toBe(publisher.delivered.length);
  });

  it('drops a batch the handler fails every time after maxRetryAttempts, logging it, and goes on with the next', async () => {
    const logger = recordingLogger();
    const publisher = new RecordingPublisher(['fail', 'fail', 'fail']);
    const stream = await start(publisher, { logger, maxRetryAttempts: 2 });
    try {
      const dropped = await service.create(caller('auth0|dropped'), { name: 'dropped', scopes: ['read'] });
      await stream.drain();
      const kept = await service.create(caller('auth0|dropped'), { name: 'kept', scopes: ['read'] });
      await stream.drain();
      expect(delivered(publisher, dropped.id)).toEqual([]);
      expect(delivered(publisher, kept.id)).toEqual(await history(kept.id));
    } finally {
      await stream.stop();
    }
    expect(publisher.calls).toBe(4);
    expect(logger.entries.filter((entry) => entry.level === 'error').map((entry) => entry.message)).toContain(
      'lifecycle stream: records dropped after every retry failed',
    );
  });

  it('TRIM_HORIZON (a table made just now): everything the stream holds, from its start', async () => {
    const publisher = new RecordingPublisher();
    const stream = await start(publisher, { startingPosition: 'TRIM_HORIZON' });
    try {
      await stream.drain();
    } finally {
      await stream.stop();
    }
    // The earlier tests' changes, and the one made before any stream started.
    const owners = new Set(publisher.delivered.map((event) => event.detail.ownerId));
    expect(owners).toEqual(new Set(['auth0|before', 'auth0|stream-owner', 'auth0|retried-owner', 'auth0|dropped']));
  });

  it('with EVENTS_FILE, writes one parseable NDJSON line per event, in the envelope EventBridge delivers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifecycle-stream-'));
    const file = join(dir, 'events.ndjson');
    const stream = await start(new NdjsonFilePublisher(file));
    let keys: string[];
    try {
      keys = await changeKeys('auth0|file-owner');
      await stream.drain();
    } finally {
      await stream.stop();
    }
    try {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      const expected = (await Promise.all(keys.map(history))).flat();
      expect(lines).toHaveLength(expected.length);
      const parsed = lines.map(
        (line) => JSON.parse(line) as { source: string; 'detail-type': string; time: string; detail: LifecycleEvent['detail'] },
      );
      for (const event of parsed) {
        expect(Object.keys(event)).toEqual(['source', 'detail-type', 'time', 'detail']);
        expect(event.source).toBe('user-api-keys');
        expect(event['detail-type']).toBe(`Key ${event.detail.type}`);
        expect(event.time).toBe(event.detail.at.replace(/\.\d{3}Z$/, 'Z'));
      }
      for (const keyId of keys) {
        expect(parsed.filter((event) => event.detail.keyId === keyId).map((event) => `${event.detail.type}@${event.detail.at}`)).toEqual(
          await history(keyId),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a table without a stream, naming it', async () => {
    await expect(start(new RecordingPublisher(), { tableName: 'NoSuchTable' })).rejects.toThrow('Table NoSuchTable has no stream');
  });
});
