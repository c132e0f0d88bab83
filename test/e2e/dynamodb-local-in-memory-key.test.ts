import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { CREDENTIALS_FILE, SHARED_DB_CREDENTIALS } from '../../local/dynamodb-credentials';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { localSettingsFromEnv } from '../../local/settings';
import { ensureTable } from '../../local/table';
import { freePort } from '../support/free-port';

/** DYNAMODB_IN_MEMORY=1 npm start: no table data on disk, but the key is, so the project's tools find it as for a data folder. */
describe('an in-memory DynamoDB Local locked with DATA_DIR’s key', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'uak-keydir-'));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is reached by a tool given DYNAMODB_ENDPOINT and DATA_DIR alone, and by no one with other credentials', async () => {
    const setting = localSettingsFromEnv({ DYNAMODB_IN_MEMORY: '1', DATA_DIR: dataDir, DYNAMODB_PORT: String(await freePort()) }, '/');
    expect(setting.dynamodb).toMatchObject({ keyDir: dataDir });
    const dynamodb = await startDynamoDbLocal(setting.dynamodb as { port: number; keyDir: string });
    const ours = createDocumentClient(dynamodb);
    try {
      await ensureTable(ours, 'ApiKeys');
      await ours.send(new PutCommand({ TableName: 'ApiKeys', Item: { pk: 'in-memory' } }));
      // The key file, and nothing else: the table is in memory.
      expect(readdirSync(dataDir)).toEqual([CREDENTIALS_FILE]);

      const tool = localSettingsFromEnv({ DYNAMODB_ENDPOINT: dynamodb.endpoint, DATA_DIR: dataDir }, '/').dynamodb;
      const toolClient = createDocumentClient(tool as { endpoint: string });
      const stranger = createDocumentClient({ endpoint: dynamodb.endpoint, credentials: SHARED_DB_CREDENTIALS });
      try {
        expect((await toolClient.send(new GetCommand({ TableName: 'ApiKeys', Key: { pk: 'in-memory' } }))).Item).toEqual({
          pk: 'in-memory',
        });
        await expect(stranger.send(new GetCommand({ TableName: 'ApiKeys', Key: { pk: 'in-memory' } }))).rejects.toMatchObject({
          name: 'ResourceNotFoundException',
        });
      } finally {
        toolClient.destroy();
        stranger.destroy();
      }
    } finally {
      ours.destroy();
      await dynamodb.stop();
    }
    expect(existsSync(join(dataDir, CREDENTIALS_FILE))).toBe(true);
  });
});
