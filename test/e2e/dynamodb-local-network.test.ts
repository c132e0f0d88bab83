import { execFile, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { localSettingsFromEnv } from '../../local/settings';
import { ensureTable } from '../../local/table';
import { freePort } from '../support/free-port';

/**
 * DynamoDB Local listens on every interface. From another machine (here a
 * network namespace of our own, joined to this one by a veth pair) it answers,
 * but without the data folder's key a client sees only an empty database of
 * its own: it can neither read nor write the table `npm start` uses.
 */

const run = promisify(execFile);
const canMakeNamespaces = process.getuid?.() === 0 && spawnSync('ip', ['-V']).status === 0;
if (!canMakeNamespaces) {
  console.warn(
    'SKIPPED: DynamoDB Local from another address needs root and iproute2 (`ip`) to make a network namespace; .ci/run installs it',
  );
}

/** Runs in the namespace: what an outsider on the network can do with the SDK, and with no signature at all. */
const OUTSIDER = `
const { DynamoDBClient, ListTablesCommand, ScanCommand, PutItemCommand, CreateTableCommand } = require('@aws-sdk/client-dynamodb');
const [endpoint, table] = process.argv.slice(1);
const outcome = (p) => p.then((r) => ({ ok: r }), (e) => ({ error: e.name }));
(async () => {
  const results = {};
  for (const accessKeyId of ['local', 'outsider']) {
    const client = new DynamoDBClient({ endpoint, region: 'local', maxAttempts: 1, credentials: { accessKeyId, secretAccessKey: 'x' } });
    const item = { pk: { S: 'planted' } };
    results[accessKeyId] = {
      tables: await outcome(client.send(new ListTablesCommand({})).then((r) => r.TableNames)),
      scan: await outcome(client.send(new ScanCommand({ TableName: table })).then((r) => r.Count)),
      put: await outcome(client.send(new PutItemCommand({ TableName: table, Item: item }))),
    };
  }
  // Its own table of the same name, then a planted item: does it land anywhere we read?
  const own = new DynamoDBClient({ endpoint, region: 'local', maxAttempts: 1, credentials: { accessKeyId: 'outsider', secretAccessKey: 'x' } });
  await own.send(new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
  await own.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'planted' } } }));
  const unsigned = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables',
    'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
  results.unsigned = { status: unsigned.status, body: await unsigned.text() };
  console.log(JSON.stringify(results));
})().catch((e) => { console.error(e.name); process.exit(1); });
`;

(canMakeNamespaces ? describe : describe.skip)('DynamoDB Local seen from another address (a network namespace)', () => {
  const suffix = `${process.pid % 10000}${randomInt(100)}`;
  const namespace = `uak-ddb-${suffix}`;
  const hostSide = `uakh${suffix}`.slice(0, 15);
  const nsSide = `uakn${suffix}`.slice(0, 15);
  const subnet = `10.253.${randomInt(256)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'uak-netns-'));
  let dynamodb: DynamoDbLocal | undefined;
  const tableName = 'ApiKeys';

  beforeAll(async () => {
    const ip = (...args: string[]) => run('ip', args);
    await ip('netns', 'add', namespace);
    await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
    await ip('link', 'set', nsSide, 'netns', namespace);
    await ip('addr', 'add', `${subnet}.1/30`, 'dev', hostSide);
    await ip('link', 'set', hostSide, 'up');
    await ip('-n', namespace, 'addr', 'add', `${subnet}.2/30`, 'dev', nsSide);
    await ip('-n', namespace, 'link', 'set', nsSide, 'up');
    dynamodb = await startDynamoDbLocal({ port: await freePort(), dataDir });
    const client = createDocumentClient(dynamodb);
    await ensureTable(client, tableName);
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'ours' } }));
    client.destroy();
  }, 120_000);

  afterAll(async () => {
    await dynamodb?.stop();
    // Deleting the namespace deletes the veth pair with it.
    await run('ip', ['netns', 'del', namespace]).catch(() => undefined);
    await run('ip', ['link', 'del', hostSide]).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers an outsider, who can neither read nor write the table', async () => {
    const port = new URL(dynamodb!.endpoint).port;
    const endpoint = `http://${subnet}.1:${port}`;
    const { stdout } = await run('ip', ['netns', 'exec', namespace, process.execPath, '-e', OUTSIDER, endpoint, tableName], {
      cwd: process.cwd(),
      timeout: 60_000,
    });
    const results = JSON.parse(stdout) as Record<string, unknown>;
    for (const accessKeyId of ['local', 'outsider']) {
      // It answers (the port is open), with an empty database of the outsider's own.
      expect(results[accessKeyId]).toEqual({
        tables: { ok: [] },
        scan: { error: 'ResourceNotFoundException' },
        put: { error: 'ResourceNotFoundException' },
      });
    }
    expect(results.unsigned).toEqual({ status: 400, body: expect.stringContaining('MissingAuthenticationToken') });
  });

  it('the project’s own client, finding the key in DATA_DIR by itself, still reads the table unchanged', async () => {
    const settings = localSettingsFromEnv({ DYNAMODB_ENDPOINT: dynamodb!.endpoint, DATA_DIR: dataDir }, '/');
    if (!('endpoint' in settings.dynamodb)) throw new Error('expected an endpoint setting');
    expect(settings.dynamodb.credentials).toEqual(dynamodb!.credentials);
    const client = createDocumentClient(settings.dynamodb);
    try {
      const scan = await client.send(new ScanCommand({ TableName: tableName }));
      expect(scan.Items).toEqual([{ pk: 'ours' }]); // nothing planted
    } finally {
      client.destroy();
    }
  });
});
