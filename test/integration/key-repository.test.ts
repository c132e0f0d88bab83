import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../../lambdas/domain/api-key';
import { DependencyUnavailableError } from '../../lambdas/domain/errors';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { ownerItemKey, TABLE } from '../../lambdas/store/table-schema';
import { rejection } from '../support/domain-errors';
import { freshTable } from '../support/dynamodb';
import { storedTestKey, testEvent, NEVER_PURGED } from '../support/key-policy';

const format = new KeyFormat('uak');
// Real time: DynamoDB Local now runs TTL deletion, so keys must not be already expired by the wall clock.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const nowSeconds = NOW.getTime() / 1000;

const insert = (target: DynamoKeyStore, key: StoredKey, limit: number, now: Date) =>
  target.insertKey(key, limit, now, testEvent(key, 'create', now));
const revoke = (target: DynamoKeyStore, ownerId: string, keyId: string, at: Date) =>
  target.revokeKey(ownerId, keyId, at, testEvent({ keyId, ownerId }, 'revoke', at), NEVER_PURGED);

const newKey = (ownerId: string, overrides: Partial<StoredKey> = {}): StoredKey => storedTestKey(ownerId, NOW, overrides);

describe('DynamoKeyStore against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let store: DynamoKeyStore;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    store = new DynamoKeyStore({ client, tableName });
  });
  afterAll(() => {
    client.destroy();
  });

  it('creates the table with TTL on expiresAt and an owner index that holds no hashes', async () => {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const index = Table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === TABLE.ownerIndex.name);
    expect(index?.Projection?.ProjectionType).toBe('INCLUDE');
    expect(index?.Projection?.NonKeyAttributes).not.toContain('secretHash');
  });

  it('stores a key under its id and reads it back, hash but no secret', async () => {
    const key = newKey('alice');
    await insert(store, key, 20, NOW);
    expect(await store.getKey(key.keyId)).toEqual(key);
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: key.keyId }, ConsistentRead: true }));
    expect(Object.keys(Item ?? {}).sort()).toEqual(
      ['createdAt', 'expiresAt', 'expiryDay', 'keyId', 'name', 'ownerId', 'pk', 'scopes', 'secretHash'].sort(),
    );
  });

  describe('the expiry index', () => {
    const expiryDayOf = async (keyId: string): Promise<unknown> =>
      (await client.send(new GetCommand({ TableName: tableName, Key: { pk: keyId }, ConsistentRead: true }))).Item?.expiryDay;

    it('holds a new key under the UTC day it expires, and lets a rotated or revoked one go', async () => {
      const expiresAt = Date.parse('2031-03-04T23:59:59Z') / 1000;
      const key = newKey('expiry-owner', { expiresAt });
      await insert(store, key, 20, NOW);
      await expect(expiryDayOf(key.keyId)).resolves.toBe('2031-03-04');

      const successor = newKey('expiry-owner', { expiresAt, rotatedFrom: key.keyId });
      const rotatedAt = NOW.toISOString();
      await expect(
        store.rotateKey(
          {
            oldKey: key,
            newKey: successor,
            rotatedAt,
            graceEndsAt: nowSeconds + 3600,
            activeKeyCap: 40,
            events: [testEvent(key, 'rotate', NOW), testEvent(successor, 'create', NOW)],
          },
          NOW,
        ),
      ).resolves.toEqual({ outcome: 'written' });
      await expect(expiryDayOf(key.keyId)).resolves.toBeUndefined();
      await expect(expiryDayOf(successor.keyId)).resolves.toBe('2031-03-04');

      await expect(revoke(store, 'expiry-owner', successor.keyId, NOW)).resolves.toEqual({ outcome: 'written' });
      await expect(expiryDayOf(successor.keyId)).resolves.toBeUndefined();
    });
  });

  it('keeps why a key was revoked when it was found in public, and shows it on the read key', async () => {
    const key = newKey('leak-owner');
    await insert(store, key, 20, NOW);
    const revocation = { cause: 'leaked', url: 'https://github.com/octo/repo/blob/abc/.env', source: 'commit' } as const;
    const event = testEvent(key, 'leak_revoke', NOW);
    await expect(store.revokeKey('leak-owner', key.keyId, NOW, event, NEVER_PURGED, revocation)).resolves.toEqual({
      outcome: 'written',
    });
    expect(await store.getKey(key.keyId)).toEqual({ ...key, revokedAt: NOW.toISOString(), revocation });
    // A second report changes nothing, the first cause stays.
    await expect(
      store.revokeKey('leak-owner', key.keyId, NOW, event, NEVER_PURGED, { ...revocation, url: 'https://elsewhere.example' }),
    ).resolves.toEqual({ outcome: 'already-revoked' });
    expect((await store.getKey(key.keyId))?.revocation).toEqual(revocation);
  });

  it('returns undefined for an unknown id', async () => {
    expect(await store.getKey(format.generate().keyId)).toBeUndefined();
  });

  it('treats an item with missing or mistyped fields as absent', async () => {
    const key = newKey('mallory');
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: key.keyId, keyId: key.keyId, ownerId: 'mallory', secretHash: key.secretHash, expiresAt: 'soon' },
      }),
    );
    expect(await store.getKey(key.keyId)).toBeUndefined();
  });

  it("lists an owner's keys newest first, without hashes, and nobody else's", async () => {
    const first = newKey('lister', { createdAt: '2026-06-01T10:00:00.000Z' });
    const second = newKey('lister', { createdAt: '2026-06-01T11:00:00.000Z' });
    await insert(store, first, 20, NOW);
    await insert(store, second, 20, NOW);
    await insert(store, newKey('someone-else'), 20, NOW);
    const listed = await store.listKeys('lister', { limit: 50 });
    expect(listed.keys.map((k) => k.keyId)).toEqual([second.keyId, first.keyId]);
    expect(listed.nextCursor).toBeUndefined();
    for (const summary of listed.keys) expect(summary).not.toHaveProperty('secretHash');
  });

  it('pages through an owner’s keys with an opaque cursor that only that owner can use', async () => {
    const created: StoredKey[] = [];
    for (let i = 0; i < 5; i += 1) {
      const key = newKey('pager', { createdAt: `2026-06-01T10:0${i}:00.000Z` });
      created.push(key);
      await insert(store, key, 20, NOW);
    }
    const newestFirst = created.map((k) => k.keyId).reverse();
    const first = await store.listKeys('pager', { limit: 2 });
    expect(first.keys.map((k) => k.keyId)).toEqual(newestFirst.slice(0, 2));
    const second = await store.listKeys('pager', { limit: 2, cursor: first.nextCursor! });
    expect(second.keys.map((k) => k.keyId)).toEqual(newestFirst.slice(2, 4));
    const third = await store.listKeys('pager', { limit: 2, cursor: second.nextCursor! });
    expect(third.keys.map((k) => k.keyId)).toEqual(newestFirst.slice(4));
    expect(await rejection(store.listKeys('someone-else', { limit: 2, cursor: first.nextCursor! }))).toMatchObject({
      status: 400,
      code: 'INVALID_CURSOR',
    });
    for (const junk of ['!!!', 'e30', Buffer.from('{"pk":1}').toString('base64url')]) {
      await expect(store.listKeys('pager', { limit: 2, cursor: junk })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    }
  });

  it('revokes only for the owner, idempotently, keeping a tombstone', async () => {
    const key = newKey('revoker');
    await insert(store, key, 20, NOW);
    expect(await revoke(store, 'intruder', key.keyId, NOW)).toEqual({ outcome: 'not-found' });
    expect((await store.getKey(key.keyId))?.revokedAt).toBeUndefined();
    expect(await revoke(store, 'revoker', key.keyId, NOW)).toEqual({ outcome: 'written' });
    expect(await revoke(store, 'revoker', key.keyId, NOW)).toEqual({ outcome: 'already-revoked' });
    expect((await store.getKey(key.keyId))?.revokedAt).toBe(NOW.toISOString());
    expect(await revoke(store, 'revoker', format.generate().keyId, NOW)).toEqual({ outcome: 'not-found' });
  });

  it('frees a slot under the limit when a key is revoked', async () => {
    const keys = [newKey('limited'), newKey('limited')];
    for (const key of keys) await insert(store, key, 2, NOW);
    await expect(insert(store, newKey('limited'), 2, NOW)).resolves.toEqual({ outcome: 'limit-reached', limit: 2 });
    await revoke(store, 'limited', keys[0]!.keyId, NOW);
    await expect(insert(store, newKey('limited'), 2, NOW)).resolves.toEqual({ outcome: 'written' });
  });

  it('frees the slots of expired keys when the limit is hit', async () => {
    await insert(store, newKey('expiring', { expiresAt: nowSeconds + 60 }), 2, NOW);
    await insert(store, newKey('expiring', { expiresAt: nowSeconds + 7200 }), 2, NOW);
    await expect(insert(store, newKey('expiring'), 2, NOW)).resolves.toEqual({ outcome: 'limit-reached', limit: 2 });
    const later = new Date(NOW.getTime() + 120_000);
    await expect(insert(store, newKey('expiring'), 2, later)).resolves.toEqual({ outcome: 'written' });
    await expect(insert(store, newKey('expiring'), 2, later)).resolves.toEqual({ outcome: 'limit-reached', limit: 2 });
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: ownerItemKey('expiring') }, ConsistentRead: true }),
    );
    expect(Object.keys(Item?.activeKeys ?? {})).toHaveLength(2);
  });

  it('prunes hundreds of expired slots at once (in chunks, within DynamoDB expression limits)', async () => {
    const expiredIds = Array.from({ length: 300 }, () => format.generate().keyId);
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: ownerItemKey('hoarder'), activeKeys: Object.fromEntries(expiredIds.map((id) => [id, nowSeconds - 1])) },
      }),
    );
    await expect(insert(store, newKey('hoarder'), 300, NOW)).resolves.toEqual({ outcome: 'written' });
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: ownerItemKey('hoarder') }, ConsistentRead: true }),
    );
    expect(Object.keys(Item?.activeKeys ?? {})).toHaveLength(1);
  });

  it('holds the per-owner limit exactly when 50 creates race', async () => {
    const attempts = Array.from({ length: 50 }, () => insert(store, newKey('racer'), 7, NOW));
    // Every attempt answers (none throws): exactly 7 written, the rest refused at the limit.
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r.outcome === 'written')).toHaveLength(7);
    expect(results.filter((r) => r.outcome === 'limit-reached')).toEqual(Array(43).fill({ outcome: 'limit-reached', limit: 7 }));
    expect((await store.listKeys('racer', { limit: 50 })).keys).toHaveLength(7);
  });

  it('turns an unreachable DynamoDB into a retryable DependencyUnavailableError', async () => {
    const deadClient = createDocumentClient({ endpoint: 'http://127.0.0.1:9' });
    const deadStore = new DynamoKeyStore({ client: deadClient, tableName });
    await expect(deadStore.getKey(format.generate().keyId)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await rejection(insert(deadStore, newKey('x'), 20, NOW))).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    deadClient.destroy();
  });

  it('leaves no key item and no slot behind when the key write fails', async () => {
    const key = newKey('collider');
    await insert(store, key, 20, NOW);
    // Same key id again: the Put's condition fails, so the whole transaction must roll back.
    await expect(insert(store, { ...key, ownerId: 'collider-2' }, 20, NOW)).rejects.toBeInstanceOf(DependencyUnavailableError);
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: ownerItemKey('collider-2') }, ConsistentRead: true }),
    );
    expect(Item?.activeKeys).toEqual({});
    expect((await store.getKey(key.keyId))?.ownerId).toBe('collider');
  });
});
