import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { LastUsedRecorder } from '../../lambdas/store/last-used-recorder';
import { freshTable } from '../support/dynamodb';
import { testEvent } from '../support/key-policy';

const silent = { debug: () => undefined, info: () => undefined, warn: jest.fn(), error: () => undefined };

describe('last used, against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let keyId: string;
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    const generated = new KeyFormat('uak').generate();
    keyId = generated.keyId;
    await new DynamoKeyStore({ client, tableName }).insertKey(
      {
        keyId,
        ownerId: 'alice',
        secretHash: hashSecret(generated.secret),
        name: 'n',
        scopes: [],
        createdAt: t0.toISOString(),
        expiresAt: t0.getTime() / 1000 + 86_400,
      },
      20,
      t0,
      testEvent({ keyId, ownerId: 'alice' }, 'create', t0),
    );
  });
  afterAll(() => {
    client.destroy();
  });

  const lastUsedAt = async (id: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { pk: id }, ConsistentRead: true }))).Item?.lastUsedAt;

  it('writes at most once a minute per instance, however hot the key', async () => {
    const recorder = new LastUsedRecorder({ client, tableName, logger: silent });
    const writes = [0, 1, 2, 30].map((s) => recorder.record(keyId, new Date(t0.getTime() + s * 1000)));
    expect(writes.filter((w) => w !== undefined)).toHaveLength(1);
    await Promise.all(writes.filter((w) => w !== undefined));
    expect(await lastUsedAt(keyId)).toBe(t0.toISOString());
    const later = new Date(t0.getTime() + 61_000);
    await recorder.record(keyId, later);
    expect(await lastUsedAt(keyId)).toBe(later.toISOString());
  });

  it('lets another instance skip a write made less than a minute ago (the write’s condition)', async () => {
    const other = new LastUsedRecorder({ client, tableName, logger: silent });
    const soon = new Date(t0.getTime() + 90_000); // 29 s after the last write
    await other.record(keyId, soon);
    expect(await lastUsedAt(keyId)).toBe(new Date(t0.getTime() + 61_000).toISOString());
    expect(silent.warn).not.toHaveBeenCalled(); // a skipped write is not a failure
  });

  it('never creates an item for a key that does not exist', async () => {
    const recorder = new LastUsedRecorder({ client, tableName, logger: silent });
    await recorder.record('A'.repeat(22), t0);
    expect(await lastUsedAt('A'.repeat(22))).toBeUndefined();
  });
});
