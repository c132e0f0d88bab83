import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { KeyService } from '../../lambdas/domain/key-service';
import { DEFAULT_KEY_POLICY } from '../../lambdas/domain/key-policy';
import { OwnerKeys } from '../../lambdas/domain/owner-keys';
import { OwnerLifecycle } from '../../lambdas/domain/owner-lifecycle';
import { WIDE_OWNER_BUDGET } from '../support/key-policy';
import { KeyVerifier } from '../../lambdas/domain/key-verifier';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { importedBucket } from '../../lambdas/store/imported-slots';
import { ownerItemKey, TABLE } from '../../lambdas/store/table-schema';
import { CREDENTIALS_FILE } from '../../local/dynamodb-credentials';
import { runImporter } from '../support/stormpath-system';
import { freshTable, testDynamoDb } from '../support/dynamodb';
import { stormpathSecret, stormpathTempDir, writeStormpathExport, type WrittenExport } from '../support/stormpath-export';

const caller = (sub: string) => ({ sub, sourceIp: '127.0.0.1', userAgent: 'test' });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('npm run import:stormpath against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let dataDir: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    // As under npm start: the tools find DynamoDB Local's key in DATA_DIR.
    dataDir = stormpathTempDir();
    dirs.push(dataDir);
    writeFileSync(join(dataDir, CREDENTIALS_FILE), JSON.stringify(testDynamoDb().credentials), { mode: 0o600 });
  });
  afterAll(() => {
    client.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const exportOf = (spec: Parameters<typeof writeStormpathExport>[1]): WrittenExport => {
    const dir = stormpathTempDir();
    dirs.push(dir);
    return writeStormpathExport(dir, spec);
  };

  const importCli = (args: string[], table = tableName) =>
    runImporter(args, { DYNAMODB_ENDPOINT: testDynamoDb().endpoint, DATA_DIR: dataDir, TABLE_NAME: table });

  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
  const store = () => new DynamoKeyStore({ client, tableName });
  const service = (maxKeysPerUser = 20) =>
    new KeyService({
      store: store(),
      format: new KeyFormat('uak'),
      policy: { ...DEFAULT_KEY_POLICY, maxKeysPerUser, allowedScopes: ['read'], ownerBudget: WIDE_OWNER_BUDGET },
    });

  it('imports both layouts, only hashes, disabled keys disabled, each with an import event; a re-run changes nothing', async () => {
    const exported = exportOf({
      accounts: [
        { keys: 2 },
        { keys: [{ status: 'DISABLED', layout: 'apiKeys' }, { layout: 'both' }], keyLayout: 'apiKeys' },
        { status: 'DISABLED', keys: 1 },
      ],
    });
    const first = await importCli([exported.path, '--json', '--scopes', 'read']);
    expect(first.code).toBe(0);
    expect(json(first.stdout)).toMatchObject({
      accounts: 3,
      keys: 5,
      imported: 5,
      alreadyImported: 0,
      skipped: [],
      owners: 3,
      dryRun: false,
    });
    for (const key of exported.keys) {
      const stored = await store().getKey(key.keyId);
      expect(stored).toMatchObject({ ownerId: `auth0|${key.accountId}`, secretHash: hashSecret(key.secret), scopes: ['read'] });
      // The secret itself is nowhere: not in the item, not on either stream.
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: key.keyId } }));
      expect(JSON.stringify(Item)).not.toContain(key.secret);
      expect(first.stdout + first.stderr).not.toContain(key.secret);
    }
    const disabledAccount = exported.accounts[2]!.accountId;
    const disabledKeys = exported.keys.filter((key) => key.status === 'DISABLED' || key.accountId === disabledAccount);
    expect(disabledKeys).toHaveLength(2);
    for (const key of disabledKeys) expect((await store().getKey(key.keyId))?.disabledAt).toBeDefined();

    const owner = `auth0|${exported.accounts[0]!.accountId}`;
    const listed = await service().list(owner);
    expect(listed.keys).toHaveLength(2);
    expect(listed.keys.every((view) => view.origin === 'stormpath' && view.status === 'active')).toBe(true);
    const [history] = await Promise.all([service().events(owner, exported.keys[0]!.keyId)]);
    expect(history.events).toEqual([
      expect.objectContaining({
        type: 'import',
        actor: `importer:stormpath/${exported.tenantId}`,
        details: expect.objectContaining({ tenant: exported.tenantId }),
      }),
    ]);

    const again = await importCli([exported.path, '--json', '--scopes', 'read']);
    expect(json(again.stdout)).toMatchObject({ keys: 5, imported: 0, alreadyImported: 5 });
  });

  it('never revives a key revoked, disabled or rotated since: a re-run leaves each as it is', async () => {
    const exported = exportOf({ accounts: [{ keys: 3 }] });
    expect((await importCli([exported.path, '--json'])).code).toBe(0);
    const owner = `auth0|${exported.accounts[0]!.accountId}`;
    const [revoked, disabled, rotated] = exported.keys as [
      WrittenExport['keys'][number],
      WrittenExport['keys'][number],
      WrittenExport['keys'][number],
    ];
    await service().revoke(caller(owner), revoked.keyId);
    await service().update(caller(owner), disabled.keyId, { enabled: false });
    const successor = await service().rotate(caller(owner), rotated.keyId, { gracePeriodSeconds: 60 });
    const before = await Promise.all(exported.keys.map((key) => store().getKey(key.keyId)));
    const rerun = await importCli([exported.path, '--json']);
    expect(json(rerun.stdout)).toMatchObject({ imported: 0, alreadyImported: 3 });
    expect(await Promise.all(exported.keys.map((key) => store().getKey(key.keyId)))).toEqual(before);
    expect(before[0]?.revokedAt).toBeDefined();
    expect(before[1]?.disabledAt).toBeDefined();
    expect(before[2]?.replacedBy).toBe(successor.id);
  });

  it('counts an owner’s thousands of imported keys in a small owner item: creates stop at the limit, rotations and revocations do not', async () => {
    const exported = exportOf({ accounts: [{ keys: 1500 }] });
    const owner = `auth0|${exported.accounts[0]!.accountId}`;
    const result = await importCli([exported.path, '--json', '--scopes', 'read']);
    expect(json(result.stdout)).toMatchObject({ keys: 1500, imported: 1500, owners: 1 });
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: ownerItemKey(owner) } }));
    // One count per import expiry, not an entry per key: far from DynamoDB's 400 KB item limit.
    expect(JSON.stringify(Item).length).toBeLessThan(500);
    expect(Item?.importedTotal).toBe(1500);
    await expect(service(20).create(caller(owner), { name: 'native' })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    const [first, second] = exported.keys as [WrittenExport['keys'][number], WrittenExport['keys'][number]];
    const rotated = await service(20).rotate(caller(owner), first.keyId, { gracePeriodSeconds: 60 });
    expect(rotated.id).toHaveLength(22);
    await service(20).revoke(caller(owner), second.keyId);
    const after = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: ownerItemKey(owner) } }));
    // The rotated key counts until its grace ends, beside its successor (as native keys do); the revoked one no more.
    expect(after.Item?.importedTotal).toBe(1500);
    expect(after.Item?.activeKeys).toEqual({});
  });

  it('lets an owner with a few imported keys create up to the limit, counting them', async () => {
    const exported = exportOf({ accounts: [{ keys: 3 }] });
    const owner = `auth0|${exported.accounts[0]!.accountId}`;
    await importCli([exported.path, '--json']);
    for (let i = 0; i < 2; i += 1) await service(5).create(caller(owner), { name: `native ${i}` });
    await expect(service(5).create(caller(owner), { name: 'one too many' })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    await service(5).revoke(caller(owner), exported.keys[0]!.keyId);
    await expect(service(5).create(caller(owner), { name: 'in the freed place' })).resolves.toMatchObject({ name: 'in the freed place' });
  });

  it('never writes a key id again once imported, even after TTL has removed its item', async () => {
    const exported = exportOf({ accounts: [{ keys: 1 }] });
    await importCli([exported.path, '--json']);
    const [key] = exported.keys as [WrittenExport['keys'][number]];
    const owner = `auth0|${key.accountId}`;
    await service().rotate(caller(owner), key.keyId, { gracePeriodSeconds: 0 });
    // What DynamoDB's TTL does once the rotated key's grace period is over.
    await client.send(new DeleteCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: key.keyId } }));
    const rerun = await importCli([exported.path, '--json']);
    expect(json(rerun.stdout)).toMatchObject({ imported: 0, alreadyImported: 1 });
    expect(await store().getKey(key.keyId)).toBeUndefined();
  });

  it('follows Auth0: a blocked user’s keys come in paused (and an unblock resumes them), a deleted user’s not at all', async () => {
    const exported = exportOf({ accounts: [{ keys: 2 }, { keys: 1 }, { keys: 1 }] });
    const [blocked, deleted, fine] = exported.accounts.map((account) => `auth0|${account.accountId}`) as [string, string, string];
    const at = Date.now() - 60_000;
    await store().recordOwnerStatus(blocked, 'blocked', at);
    await store().recordOwnerStatus(deleted, 'deleted', at);
    const result = await importCli([exported.path, '--json']);
    expect(result.code).toBe(0);
    const report = json(result.stdout);
    expect(report).toMatchObject({ imported: 3, keys: 3, disabled: 2 });
    expect(report.skipped).toEqual([expect.objectContaining({ reason: 'Auth0 reports the owner deleted' })]);
    const keysOf = (owner: string) => exported.keys.filter((key) => `auth0|${key.accountId}` === owner);
    for (const key of keysOf(blocked)) expect(await store().getKey(key.keyId)).toMatchObject({ disabledBy: 'auth0:user.blocked' });
    for (const key of keysOf(deleted)) expect(await store().getKey(key.keyId)).toBeUndefined();
    expect((await store().getKey(keysOf(fine)[0]!.keyId))?.disabledAt).toBeUndefined();

    const lifecycle = new OwnerLifecycle(store(), new OwnerKeys({ store: store(), policy: DEFAULT_KEY_POLICY }));
    const unblock = {
      change: 'unblocked',
      sub: blocked,
      eventId: 'evt-1',
      occurredAt: new Date().toISOString(),
      actor: 'auth0:user.unblocked',
      source: 'event:user.updated',
    } as const;
    expect(await lifecycle.apply(unblock)).toMatchObject({ action: 'enabled', keys: 2 });
  });

  it('lets an owner rotate every imported key, however many more than the limit, counting each once', async () => {
    const exported = exportOf({ accounts: [{ keys: 12 }] });
    const owner = `auth0|${exported.accounts[0]!.accountId}`;
    await importCli([exported.path, '--json']);
    const successors0 = [];
    for (const key of exported.keys) successors0.push(await service(3).rotate(caller(owner), key.keyId, { gracePeriodSeconds: 0 }));
    // And their successors again: every generation descended from an imported key is counted, never limited.
    for (const successor of successors0) await service(3).rotate(caller(owner), successor.id, { gracePeriodSeconds: 0 });
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: ownerItemKey(owner) } }));
    // Twelve native keys and the twenty-four they replaced, whose grace ended now: counted, not one entry each.
    expect(Item?.activeKeys).toEqual({});
    expect(Item?.importedTotal).toBe(36);
    await expect(service(3).create(caller(owner), { name: 'still over the limit' })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    // The old keys' counts end with their grace, rounded up to the hour: two hours on, once pruned, the twelve remain.
    const later = new KeyService({
      store: store(),
      format: new KeyFormat('uak'),
      policy: { ...DEFAULT_KEY_POLICY, maxKeysPerUser: 3, allowedScopes: ['read'], ownerBudget: WIDE_OWNER_BUDGET },
      clock: () => new Date(Date.now() + 2 * 3600_000),
    });
    await expect(later.create(caller(owner), { name: 'still over' })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    const after = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: ownerItemKey(owner) } }));
    expect(after.Item?.importedTotal).toBe(12);
    const successors = (await later.list(owner, { status: 'active' })).keys;
    expect(successors).toHaveLength(12);
    for (const successor of successors) await later.revoke(caller(owner), successor.id);
    const emptied = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: ownerItemKey(owner) } }));
    expect(emptied.Item?.importedTotal).toBe(0);
    await expect(later.create(caller(owner), { name: 'room again' })).resolves.toMatchObject({ name: 'room again' });
  });

  it('takes a key off its count once when a revoke and a rotation of it race', async () => {
    const exported = exportOf({ accounts: [{ keys: 5 }] });
    const owner = `auth0|${exported.accounts[0]!.accountId}`;
    await importCli([exported.path, '--json']);
    const [raced] = exported.keys as [WrittenExport['keys'][number]];
    // The revoke reads the key, then a rotation commits, then the revoke writes.
    const racing = store();
    const read = racing.getKey.bind(racing);
    let rotated = false;
    racing.getKey = async (keyId: string) => {
      const found = await read(keyId);
      if (!rotated) {
        rotated = true;
        await service(5).rotate(caller(owner), raced.keyId, { gracePeriodSeconds: 3600 });
      }
      return found;
    };
    const revoking = new KeyService({
      store: racing,
      format: new KeyFormat('uak'),
      policy: { ...DEFAULT_KEY_POLICY, maxKeysPerUser: 5, allowedScopes: ['read'], ownerBudget: WIDE_OWNER_BUDGET },
    });
    const importExpiry = (await store().getKey(raced.keyId))!.expiresAt;
    await revoking.revoke(caller(owner), raced.keyId);
    const graceEnd = (await store().getKey(raced.keyId))!.expiresAt;
    expect(graceEnd).toBeLessThan(importExpiry);
    // Four imported keys and the rotation's successor count, in the import's count: five, the limit. The revoked
    // old key counts nowhere: not in its grace period's count, whose pruning would otherwise free a place.
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: ownerItemKey(owner) } }));
    expect(Item?.importedTotal).toBe(5);
    const counts = Item?.importedKeys as Record<string, number>;
    expect([counts[importedBucket(importExpiry)], counts[importedBucket(graceEnd)] ?? 0]).toEqual([5, 0]);
    await expect(service(5).create(caller(owner), { name: 'over' })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
  });

  it('holds the limit, imported keys counted, however many creates race', async () => {
    const exported = exportOf({ accounts: [{ keys: 3 }] });
    const owner = `auth0|${exported.accounts[0]!.accountId}`;
    await importCli([exported.path, '--json']);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => service(5).create(caller(owner), { name: `race ${i}` })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    }
  });

  it('stops counting an import once its expiry has passed (pruned when the limit is met), never going below zero', async () => {
    const owner = 'auth0|pruned';
    const past = Math.floor(Date.now() / 1000) - 60;
    const future = Math.floor(Date.now() / 1000) + 86_400;
    // As an import long ago left it: one count expired, one still running.
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          [TABLE.partitionKey]: ownerItemKey(owner),
          activeKeys: {},
          importedKeys: { [String(past)]: 4, [String(future)]: 1 },
          importedTotal: 5,
        },
      }),
    );
    for (let i = 0; i < 2; i += 1) await service(3).create(caller(owner), { name: `after the import ${i}` });
    await expect(service(3).create(caller(owner), { name: 'over' })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: ownerItemKey(owner) } }));
    expect(Item?.importedKeys).toEqual({ [String(future)]: 1 });
    expect(Item?.importedTotal).toBe(1);
  });

  it('gives the authorizer imported pairs exactly as Stormpath clients send them', async () => {
    // A secret with + and /, as many Stormpath secrets have: sent as it is, inside the base64 of Basic.
    const exported = exportOf({ accounts: [{ keys: [{ secret: stormpathSecret({ withPlusAndSlash: true }) }] }] });
    await importCli([exported.path, '--json', '--scopes', 'read']);
    const [key] = exported.keys as [WrittenExport['keys'][number]];
    const verifier = new KeyVerifier({ store: store(), format: new KeyFormat('uak') });
    expect(await verifier.verify(basic(key.keyId, key.secret))).toEqual({
      valid: true,
      ownerId: `auth0|${key.accountId}`,
      keyId: key.keyId,
      scopes: ['read'],
    });
    expect(await verifier.verify(basic(key.keyId, `${key.secret.slice(0, -1)}${key.secret.endsWith('A') ? 'B' : 'A'}`))).toMatchObject({
      valid: false,
      code: 'INVALID_SECRET',
    });
  });

  it('writes nothing on a dry run, nor when any file is bad, and says which file', async () => {
    const exported = exportOf({ accounts: [{ keys: 2 }] });
    const table = await freshTable();
    try {
      const dry = await importCli([exported.path, '--json', '--dry-run'], table.tableName);
      expect(json(dry.stdout)).toMatchObject({ dryRun: true, keys: 2, imported: 2 });
      mkdirSync(join(exported.tenantDir, 'accounts'), { recursive: true });
      writeFileSync(join(exported.tenantDir, 'accounts', 'broken.json'), '{ "id": ');
      const broken = await importCli([exported.path, '--json'], table.tableName);
      expect(broken.code).not.toBe(0);
      expect(broken.stderr.trim().split('\n')).toHaveLength(1);
      expect(broken.stderr).toContain('broken.json');
      const missing = await importCli([join(exported.tenantDir, 'nowhere')], table.tableName);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('nowhere');
      const { Count } = await table.client.send(new ScanCommand({ TableName: table.tableName, Select: 'COUNT' }));
      expect(Count).toBe(0);
    } finally {
      table.client.destroy();
    }
  });
});
