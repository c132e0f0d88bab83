import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../../lambdas/domain/api-key';
import type { KeyRotation } from '../../lambdas/domain/key-store';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { createTableInput, ownerItemKey, TABLE } from '../../lambdas/store/table-schema';
import { ensureTable, OutdatedTableError } from '../../local/table';
import { rejection } from '../support/domain-errors';
import { freshTable } from '../support/dynamodb';
import { storedTestKey, testEvent, NEVER_PURGED } from '../support/key-policy';

// Real time: DynamoDB Local runs TTL deletion, so keys must not be already expired by the wall clock.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const nowSeconds = NOW.getTime() / 1000;

const newKey = (ownerId: string, overrides: Partial<StoredKey> = {}): StoredKey =>
  storedTestKey(ownerId, NOW, { expiresAt: nowSeconds + 7200, ...overrides });

describe('DynamoKeyStore: rotation, updates and the audit trail, against DynamoDB Local', () => {
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

  const insert = async (key: StoredKey, limit = 20) => store.insertKey(key, limit, NOW, testEvent(key, 'create', NOW));
  const activeKeys = async (ownerId: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { pk: ownerItemKey(ownerId) }, ConsistentRead: true }))).Item
      ?.activeKeys as Record<string, number> | undefined;
  const rotation = (old: StoredKey, overrides: Partial<KeyRotation> = {}): KeyRotation => {
    const next = newKey(old.ownerId, { expiresAt: old.expiresAt, rotatedFrom: old.keyId });
    return {
      oldKey: old,
      newKey: next,
      rotatedAt: NOW.toISOString(),
      graceEndsAt: nowSeconds + 60,
      activeKeyCap: 40,
      events: [testEvent(old, 'rotate', new Date(NOW.getTime() + 1000)), testEvent(next, 'create', new Date(NOW.getTime() + 1000))],
      ...overrides,
    };
  };

  it('rotates in one transaction: old key shortened and linked, new key stored, both counted, both events written', async () => {
    const old = newKey('rotator');
    await insert(old);
    const change = rotation(old);
    await expect(store.rotateKey(change, NOW)).resolves.toEqual({ outcome: 'written' });
    expect(await store.getKey(old.keyId)).toMatchObject({
      expiresAt: nowSeconds + 60,
      replacedBy: change.newKey.keyId,
      rotatedAt: NOW.toISOString(),
    });
    expect(await store.getKey(change.newKey.keyId)).toEqual(change.newKey);
    expect(await activeKeys('rotator')).toEqual({ [old.keyId]: nowSeconds + 60, [change.newKey.keyId]: old.expiresAt });
    expect((await store.listEvents(old.keyId, { limit: 10 })).events.map((e) => e.type)).toEqual(['rotate', 'create']);
    expect((await store.listEvents(change.newKey.keyId, { limit: 10 })).events.map((e) => e.type)).toEqual(['create']);
  });

  it('answers conflict, and writes nothing, when the old key is revoked, rotated, expired or someone else’s', async () => {
    const revoked = newKey('conflicted');
    await insert(revoked);
    await store.revokeKey('conflicted', revoked.keyId, NOW, testEvent(revoked, 'revoke', NOW), NEVER_PURGED);
    const rotated = newKey('conflicted');
    await insert(rotated);
    await store.rotateKey(rotation(rotated), NOW);
    const expired = newKey('conflicted', { expiresAt: nowSeconds + 5 });
    await insert(expired);
    const foreign = newKey('someone');
    await insert(foreign);

    for (const [old, now] of [
      [revoked, NOW],
      [rotated, NOW],
      [expired, new Date(NOW.getTime() + 10_000)],
      [{ ...foreign, ownerId: 'conflicted' }, NOW],
    ] as const) {
      const change = rotation(old);
      await expect(store.rotateKey(change, now)).resolves.toEqual({ outcome: 'conflict' });
      expect(await store.getKey(change.newKey.keyId)).toBeUndefined();
      expect((await store.listEvents(change.newKey.keyId, { limit: 10 })).events).toEqual([]);
    }
  });

  it('holds the owner to the cap on rotation, pruning keys whose grace period is over', async () => {
    const keys = [newKey('capped'), newKey('capped')];
    for (const key of keys) await insert(key, 2);
    await expect(store.rotateKey(rotation(keys[0]!, { activeKeyCap: 2 }), NOW)).resolves.toEqual({ outcome: 'limit-reached', limit: 2 });
    await expect(store.rotateKey(rotation(keys[0]!, { activeKeyCap: 3, graceEndsAt: nowSeconds + 1 }), NOW)).resolves.toEqual({
      outcome: 'written',
    });
    // Later, the first key's grace period is over: it is pruned, so the cap admits another rotation.
    await expect(store.rotateKey(rotation(keys[1]!, { activeKeyCap: 3 }), new Date(NOW.getTime() + 2000))).resolves.toEqual({
      outcome: 'written',
    });
    expect(Object.keys((await activeKeys('capped')) ?? {})).not.toContain(keys[0]!.keyId);
  });

  it('renames, disables and enables only while the key is as expected, with its events', async () => {
    const key = newKey('updater', { name: 'before' });
    await insert(key);
    const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    const change = {
      ownerId: 'updater',
      keyId: key.keyId,
      events: [testEvent(key, 'rename', later(1)), testEvent(key, 'disable', later(1))],
    };
    await expect(
      store.updateKey({ ...change, expected: { name: 'before', disabled: false }, name: 'after', disabledAt: NOW.toISOString() }),
    ).resolves.toEqual({ outcome: 'written' });
    expect(await store.getKey(key.keyId)).toMatchObject({ name: 'after', disabledAt: NOW.toISOString() });
    // Stale expectations lose: the name or the state changed since the read.
    await expect(store.updateKey({ ...change, expected: { name: 'before', disabled: true }, name: 'x' })).resolves.toEqual({
      outcome: 'conflict',
    });
    await expect(store.updateKey({ ...change, expected: { name: 'after', disabled: false }, name: 'x' })).resolves.toEqual({
      outcome: 'conflict',
    });
    await expect(
      store.updateKey({ ...change, ownerId: 'intruder', expected: { name: 'after', disabled: true }, name: 'x' }),
    ).resolves.toEqual({
      outcome: 'conflict',
    });
    await expect(
      store.updateKey({
        ...change,
        expected: { name: 'after', disabled: true },
        disabledAt: null,
        events: [testEvent(key, 'enable', later(2))],
      }),
    ).resolves.toEqual({ outcome: 'written' });
    const enabled = await store.getKey(key.keyId);
    expect(enabled?.name).toBe('after');
    expect(enabled).not.toHaveProperty('disabledAt');
    expect((await store.listEvents(key.keyId, { limit: 10 })).events.map((e) => e.type)).toEqual(['enable', 'disable', 'rename', 'create']);
    await store.revokeKey('updater', key.keyId, NOW, testEvent(key, 'revoke', NOW), NEVER_PURGED);
    await expect(store.updateKey({ ...change, expected: { name: 'after', disabled: false }, name: 'x' })).resolves.toEqual({
      outcome: 'conflict',
    });
  });

  it('writes a revocation event once, and none for a repeat', async () => {
    const key = newKey('revoker');
    await insert(key);
    const later = new Date(NOW.getTime() + 1000);
    await store.revokeKey('revoker', key.keyId, later, testEvent(key, 'revoke', later), NEVER_PURGED);
    await store.revokeKey('revoker', key.keyId, later, testEvent(key, 'revoke', later), NEVER_PURGED);
    expect((await store.listEvents(key.keyId, { limit: 10 })).events.map((e) => e.type)).toEqual(['revoke', 'create']);
  });

  it('stores events with their retention as TTL, outside the owner index, and pages them with a cursor bound to the key', async () => {
    const key = newKey('pager');
    await insert(key);
    for (let i = 0; i < 4; i += 1) {
      const at = new Date(NOW.getTime() + (i + 1) * 1000);
      await store.updateKey({
        ownerId: 'pager',
        keyId: key.keyId,
        expected: { name: i === 0 ? 'test key' : `n${i - 1}`, disabled: false },
        name: `n${i}`,
        events: [testEvent(key, 'rename', at)],
      });
    }
    const first = await store.listEvents(key.keyId, { limit: 2 });
    const second = await store.listEvents(key.keyId, { limit: 10, cursor: first.nextCursor });
    const all = [...first.events, ...second.events];
    expect(all.map((e) => e.type)).toEqual(['rename', 'rename', 'rename', 'rename', 'create']);
    expect(all.map((e) => e.at)).toEqual([...all.map((e) => e.at)].sort().reverse());
    expect(all[0]!.expiresAt).toBe(Math.floor(Date.parse(all[0]!.at) / 1000) + 365 * 86_400);
    expect(await rejection(store.listEvents(newKey('pager').keyId, { limit: 2, cursor: first.nextCursor }))).toMatchObject({
      status: 400,
      code: 'INVALID_CURSOR',
    });
    expect((await store.listKeys('pager', { limit: 50 })).keys.map((k) => k.keyId)).toEqual([key.keyId]);
    const owned = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.ownerIndex.name,
        KeyConditionExpression: 'ownerId = :o',
        ExpressionAttributeValues: { ':o': 'pager' },
      }),
    );
    expect(owned.Items).toHaveLength(1);
  });
});

describe('ensureTable and a table kept from an older version', () => {
  it('refuses it, naming the outdated index and the way out, and leaves it as it was', async () => {
    const { client } = await freshTable();
    const tableName = `old${Date.now()}`;
    const current = createTableInput(tableName);
    const older = {
      ...current,
      // Only the owner index's attributes (DynamoDB refuses definitions no key uses).
      AttributeDefinitions: current.AttributeDefinitions!.filter((a) => ['pk', 'ownerId', 'createdAt'].includes(a.AttributeName!)),
      GlobalSecondaryIndexes: [
        { ...current.GlobalSecondaryIndexes![0]!, Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: ['keyId', 'name'] } },
      ],
    };
    await client.send(new CreateTableCommand(older));
    const error = await ensureTable(client, tableName).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutdatedTableError);
    expect((error as Error).message).toContain(
      `index ${TABLE.ownerIndex.name}, ${TABLE.eventIndex.name}, ${TABLE.expiryIndex.name} missing or different`,
    );
    expect((error as Error).message).toContain('rm -rf .data');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.GlobalSecondaryIndexes).toHaveLength(1);
    const upToDate = await freshTable();
    await expect(ensureTable(client, upToDate.tableName)).resolves.toBe('existing');
    upToDate.client.destroy();
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });
});
