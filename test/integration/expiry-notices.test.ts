import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../../lambdas/domain/audit-event';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { KeyService } from '../../lambdas/domain/key-service';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import { noticeWindow } from '../../lambdas/events/expiry-notices';
import type { LifecycleEvent, LifecyclePublisher, PublishOutcome } from '../../lambdas/events/lifecycle-event';
import { createExpiryNoticesHandler } from '../../lambdas/handlers/expiry-notices';
import type { AppLogger } from '../../lambdas/observability/logger';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { expiryNoticesDependencies } from '../../lambdas/runtime/expiry-notices-wiring';
import { ExpiryIndexReader } from '../../lambdas/store/expiring-keys';
import { backfillExpiryIndex } from '../../lambdas/store/expiry-backfill';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { eventItemKey, expiryDay, ownerItemKey, TABLE } from '../../lambdas/store/table-schema';
import { indexPlan } from '../../lambdas/store/table-upgrade';
import { CREDENTIALS_FILE } from '../../local/dynamodb-credentials';
import { scheduledEvent } from '../../local/expiry-schedule';
import { runBackfillCli } from '../../scripts/backfill-expiry-index';
import { freshTable, testDynamoDb } from '../support/dynamodb';
import { testKeyPolicy } from '../support/key-policy';

// Real time: DynamoDB Local runs TTL deletion, so no key may expire by the wall clock during the test; the
// notice runs two minutes "later" by its own clock, so a key that expires in one minute is expired to it.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const RUN = new Date(NOW.getTime() + 120_000);
const RUN_SECONDS = RUN.getTime() / 1000;
const DAY = 86_400;
const HOUR = 3600;
const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();
/** 00:00:00 UTC of the run's day: the window is whole UTC days, today to today + 7. */
const RUN_DAY_START = Math.floor(RUN_SECONDS / DAY) * DAY;
/** The UTC days from the run's day to an expiry's: what `daysLeft` says, whatever the wall clock's time of day. */
const daysTo = (expiresAt: number): string => String(Math.floor(expiresAt / DAY) - RUN_DAY_START / DAY);
const fakeLogger = (): { [K in keyof AppLogger]: jest.Mock } => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() });

class RecordingPublisher implements LifecyclePublisher {
  readonly events: LifecycleEvent[] = [];
  publish(events: readonly LifecycleEvent[]): Promise<PublishOutcome> {
    this.events.push(...events);
    return Promise.resolve({ failed: [] });
  }
}

/** A client of its own whose every command's name is recorded. */
function recordingClient(): { client: DynamoDBDocumentClient; sent: string[] } {
  const client = createDocumentClient(testDynamoDb());
  const sent: string[] = [];
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as { send: unknown }).send = (command: { constructor: { name: string } }) => {
    sent.push(command.constructor.name);
    return send(command);
  };
  return { client, sent };
}

describe('the daily expiry notice against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let service: KeyService;
  const caller = (sub: string): Caller => ({ sub, tokenIssuedAtMs: NOW.getTime() - 60_000, userAgent: 'jest' });
  const create = async (sub: string, name: string, expiresAt: number) =>
    (await service.create(caller(sub), { name, expiresAt: iso(expiresAt) })).id;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    service = new KeyService({
      store: new DynamoKeyStore({ client, tableName }),
      format: new KeyFormat('uak'),
      policy: testKeyPolicy(),
      clock: () => NOW,
    });
  });
  afterAll(() => {
    client.destroy();
  });

  it('publishes one event for each active key expiring on the UTC days today to today + N, reading the index only', async () => {
    const alice = 'auth0|alice';
    const bob = 'auth0|bob';
    const keys = {
      expired: await create(alice, 'expired', RUN_SECONDS - 60),
      inOneSecond: await create(alice, 'in one second', RUN_SECONDS + 1),
      in36Hours: await create(alice, 'in 36 hours', RUN_SECONDS + 36 * HOUR),
      exactlySevenDays: await create(bob, 'exactly seven days', RUN_SECONDS + 7 * DAY),
      lastSecond: await create(bob, 'the last second of today + 7', RUN_DAY_START + 8 * DAY - 1),
      dayAfter: await create(bob, 'a second too late', RUN_DAY_START + 8 * DAY),
      nextMonth: await create(bob, 'next month', RUN_SECONDS + 30 * DAY),
      revoked: await create(alice, 'revoked', RUN_SECONDS + 2 * DAY),
      disabled: await create(alice, 'disabled', RUN_SECONDS + 3 * DAY),
      rotated: await create(alice, 'rotated', RUN_SECONDS + 4 * DAY),
    };
    await service.revoke(caller(alice), keys.revoked);
    await service.update(caller(alice), keys.disabled, { enabled: false });
    // The old key's grace period ends within the window: a rotation still takes it out of the notice.
    const successor = (await service.rotate(caller(alice), keys.rotated, { gracePeriodSeconds: HOUR })).id;

    const { client: noticeClient, sent } = recordingClient();
    const publisher = new RecordingPublisher();
    const logger = fakeLogger();
    const handler = createExpiryNoticesHandler(
      expiryNoticesDependencies({
        client: noticeClient,
        tableName,
        indexes: indexPlan().reads,
        publisher,
        noticeDays: 7,
        logger,
        clock: () => RUN,
      }),
    );
    try {
      const result = await handler(scheduledEvent(new Date(NOW.getTime() - 3 * HOUR)));
      expect(result).toEqual({ outcome: 'published', days: 7, keys: 5, published: 5 });
    } finally {
      noticeClient.destroy();
    }

    const byKey = new Map(publisher.events.map((event) => [event.detail.keyId, event] as const));
    expect([...byKey.keys()].sort()).toEqual([keys.inOneSecond, keys.in36Hours, keys.exactlySevenDays, keys.lastSecond, successor].sort());
    expect(publisher.events).toHaveLength(5);
    expect(byKey.get(keys.in36Hours)?.detail).toEqual({
      keyId: keys.in36Hours,
      ownerId: alice,
      type: 'key.expiring',
      actor: 'user-api-keys:expiry',
      at: RUN.toISOString(),
      details: { expiresAt: iso(RUN_SECONDS + 36 * HOUR), daysLeft: daysTo(RUN_SECONDS + 36 * HOUR), name: 'in 36 hours' },
      eventId: `expiring#${keys.in36Hours}#${RUN.toISOString().slice(0, 10)}`,
    });
    // 0 (it expires later today) unless the run is at the last second of its day.
    expect(byKey.get(keys.inOneSecond)?.detail.details.daysLeft).toBe(daysTo(RUN_SECONDS + 1));
    expect(byKey.get(keys.exactlySevenDays)?.detail).toMatchObject({ ownerId: bob, details: { daysLeft: '7' } });
    expect(byKey.get(keys.lastSecond)?.detail.details.daysLeft).toBe('7');
    expect(byKey.get(successor)?.detail.details).toEqual({ expiresAt: iso(RUN_SECONDS + 4 * DAY), daysLeft: '4', name: 'rotated' });
    expect(publisher.events.every((event) => event.detailType === 'Key expiring')).toBe(true);

    // One DescribeTable (is the index ACTIVE?), then Queries of the index: never a Scan, nor any item read.
    expect(sent[0]).toBe('DescribeTableCommand');
    expect(sent.slice(1).length).toBeGreaterThanOrEqual(8);
    expect(new Set(sent.slice(1))).toEqual(new Set(['QueryCommand']));
  });

  it('reads the key items it writes through the index: rotation and revocation take a key out, disabling does not', async () => {
    const owner = 'auth0|carol';
    const kept = await create(owner, 'kept', RUN_SECONDS + DAY);
    const disabled = await create(owner, 'paused', RUN_SECONDS + DAY);
    const revoked = await create(owner, 'gone', RUN_SECONDS + DAY);
    await service.update(caller(owner), disabled, { enabled: false });
    await service.revoke(caller(owner), revoked);
    const raw = async (keyId: string) =>
      (await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: keyId }, ConsistentRead: true }))).Item;
    expect((await raw(kept))?.expiryDay).toBe(expiryDay(RUN_SECONDS + DAY));
    expect((await raw(disabled))?.expiryDay).toBe(expiryDay(RUN_SECONDS + DAY));
    expect((await raw(revoked))?.expiryDay).toBeUndefined();
    // The reader itself answers active keys only, whatever the domain checks after it.
    const reader = new ExpiryIndexReader({ client, tableName });
    const found = (await reader.expiringKeys(noticeWindow(RUN, 1))).map((key) => key.keyId);
    expect(found).toContain(kept);
    expect(found).not.toContain(disabled);
    expect(found).not.toContain(revoked);
    await expect(reader.indexStatus()).resolves.toBe('ACTIVE');
  });
});

describe('backfilling the expiry index against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  const format = new KeyFormat('uak');
  const LATER = NOW.getTime() / 1000 + 3 * DAY;

  /** A key item as a release before the expiry index wrote it: no `expiryDay`. */
  async function putOldKey(overrides: Record<string, unknown> = {}): Promise<string> {
    const generated = format.generate();
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: generated.keyId,
          keyId: generated.keyId,
          ownerId: 'auth0|old-release',
          secretHash: hashSecret(generated.secret),
          name: 'made before the index',
          scopes: [],
          createdAt: NOW.toISOString(),
          expiresAt: LATER,
          ...overrides,
        },
      }),
    );
    return generated.keyId;
  }
  const raw = async (pk: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: pk }, ConsistentRead: true }))).Item;

  let old: Record<'active' | 'disabled' | 'revoked' | 'rotated' | 'soonExpired', string>;
  const oddPk = 'odd#item';
  /** No `#`, but no hash either: not a key. */
  const hashlessPk = 'not-a-key';
  const ownerPk = ownerItemKey('auth0|old-release');
  const eventPk = eventItemKey('AAAAAAAAAAAAAAAAAAAAAA', NOW.toISOString(), 'n');

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    old = {
      active: await putOldKey(),
      disabled: await putOldKey({ disabledAt: NOW.toISOString() }),
      revoked: await putOldKey({ revokedAt: NOW.toISOString() }),
      rotated: await putOldKey({ rotatedAt: NOW.toISOString(), replacedBy: format.generate().keyId }),
      // Expired by the backfill's clock below (not by the wall clock: TTL would delete it).
      soonExpired: await putOldKey({ expiresAt: NOW.getTime() / 1000 + HOUR }),
    };
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: oddPk, secretHash: 'x', expiresAt: LATER } }));
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: hashlessPk, expiresAt: LATER } }));
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: ownerPk, activeKeys: {} } }));
    await client.send(
      new PutCommand({ TableName: tableName, Item: { pk: eventPk, eventKeyId: 'AAAAAAAAAAAAAAAAAAAAAA', expiresAt: LATER } }),
    );
  });
  afterAll(() => {
    client.destroy();
  });

  const backfill = (overrides: Partial<Parameters<typeof backfillExpiryIndex>[0]> = {}) =>
    backfillExpiryIndex({ client, tableName, now: new Date(NOW.getTime() + 2 * HOUR * 1000), segments: 3, pageSize: 2, ...overrides });
  const days = async () =>
    Object.fromEntries(await Promise.all(Object.entries(old).map(async ([name, pk]) => [name, (await raw(pk))?.expiryDay])));

  it('in a dry run, counts and changes nothing', async () => {
    const counts = await backfill({ dryRun: true });
    expect(counts).toMatchObject({ found: 3, updated: 2, changed: 0, expired: 1, unreadable: 0 });
    expect(counts.scanned).toBe(9);
    expect(Object.values(await days()).every((day) => day === undefined)).toBe(true);
  });

  it('gives live old keys their day, never revoked or rotated ones or other items, and a second run changes nothing', async () => {
    await expect(backfill()).resolves.toMatchObject({ found: 3, updated: 2, changed: 0, expired: 1 });
    expect(await days()).toEqual({
      active: expiryDay(LATER),
      disabled: expiryDay(LATER),
      revoked: undefined,
      rotated: undefined,
      soonExpired: undefined,
    });
    expect((await raw(oddPk))?.expiryDay).toBeUndefined();
    expect((await raw(hashlessPk))?.expiryDay).toBeUndefined();
    expect((await raw(ownerPk))?.expiryDay).toBeUndefined();
    expect((await raw(eventPk))?.expiryDay).toBeUndefined();

    const before = await Promise.all([...Object.values(old), oddPk, hashlessPk, ownerPk, eventPk].map(raw));
    await expect(backfill()).resolves.toMatchObject({ found: 1, updated: 0, changed: 0, expired: 1 });
    expect(await Promise.all([...Object.values(old), oddPk, hashlessPk, ownerPk, eventPk].map(raw))).toEqual(before);
  });

  it('makes the backfilled keys visible to the notice', async () => {
    const publisher = new RecordingPublisher();
    const handler = createExpiryNoticesHandler(
      expiryNoticesDependencies({
        client,
        tableName,
        indexes: indexPlan().reads,
        publisher,
        noticeDays: 7,
        logger: fakeLogger(),
        clock: () => NOW,
      }),
    );
    await handler(scheduledEvent(NOW));
    // The disabled one is in the index (it may be enabled again) but gets no notice.
    expect(publisher.events.map((event) => event.detail.keyId)).toEqual([old.active]);
  });

  it('leaves a key that changed between the Scan and the write to the change', async () => {
    const racing = await putOldKey();
    // Revoked by "someone else" just before the backfill's write reaches it.
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    const racer = {
      send: async (command: unknown) => {
        if (command instanceof UpdateCommand && command.input.Key?.[TABLE.partitionKey] === racing) {
          await send(
            new UpdateCommand({
              TableName: tableName,
              Key: { [TABLE.partitionKey]: racing },
              UpdateExpression: 'SET revokedAt = :at',
              ExpressionAttributeValues: { ':at': NOW.toISOString() },
            }),
          );
        }
        return send(command);
      },
    } as unknown as DynamoDBDocumentClient;
    await expect(backfill({ client: racer })).resolves.toMatchObject({ found: 2, updated: 0, changed: 1, expired: 1 });
    expect((await raw(racing))?.expiryDay).toBeUndefined();
    expect((await raw(racing))?.revokedAt).toBe(NOW.toISOString());
  });

  it('runs from the command line: --dry-run writes nothing, then the run writes', async () => {
    const fresh = await putOldKey({ expiresAt: NOW.getTime() / 1000 + 5 * DAY });
    // The test DynamoDB Local's key, where the script looks for npm start's: DATA_DIR.
    const dataDir = mkdtempSync(join(tmpdir(), 'backfill-'));
    writeFileSync(join(dataDir, CREDENTIALS_FILE), JSON.stringify(testDynamoDb().credentials), { mode: 0o600 });
    const out: string[] = [];
    const err: string[] = [];
    const streams = { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } };
    const run = (...args: string[]) =>
      runBackfillCli(['--table', tableName, '--endpoint', testDynamoDb().endpoint, ...args], streams, { DATA_DIR: dataDir }, process.cwd());
    try {
      await expect(run('--dry-run')).resolves.toBe(0);
      expect(out.join('')).toContain('Dry run (nothing written)');
      // With the real clock, the key that expires in an hour is not expired yet: it is updated too.
      expect(out.join('')).toMatch(/to update\s+2\n/);
      expect((await raw(fresh))?.expiryDay).toBeUndefined();
      out.length = 0;
      await expect(run('--segments', '2', '--rate', '1000')).resolves.toBe(0);
      expect(out.join('')).toMatch(/updated\s+2\n/);
      expect((await raw(fresh))?.expiryDay).toBe(expiryDay(NOW.getTime() / 1000 + 5 * DAY));
      expect(err.join('')).toBe('');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    await expect(runBackfillCli(['--table', tableName], streams, {}, process.cwd())).resolves.toBe(2);
    await expect(runBackfillCli(['--table', tableName, '--region', 'eu-west-1', '--rate', '0'], streams, {}, process.cwd())).resolves.toBe(
      2,
    );
  });
});
