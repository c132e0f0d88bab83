import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as forward } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREDENTIALS_FILE } from '../../local/dynamodb-credentials';
import { closeServer, listenOnLoopback } from '../../local/http-util';
import { runImportCli } from '../../stormpath/main';
import { testDynamoDbCredentials } from './dynamodb';
import { basicHeader } from './token-fixtures';

/**
 * Helpers for end-to-end tests of a Stormpath migration: the importer run as
 * `npm run -s import:stormpath` runs it, and a tap on DynamoDB that records
 * every call, so a test can tell whether a request was answered with no read.
 */

/** One DynamoDB API call as it went over the wire: `GetItem`, `TransactWriteItems`, ... and its JSON body. */
export interface DynamoDbCall {
  readonly operation: string;
  readonly body: string;
}

export interface DynamoDbTap {
  /** Point clients here instead of at DynamoDB Local. */
  readonly endpoint: string;
  readonly calls: readonly DynamoDbCall[];
  /** How many GetItem calls so far named `keyId` (the key item's partition key). */
  getItemsFor(keyId: string): number;
  stop(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of DynamoDB Local (which checks no
 * signature, so forwarding a signed request unchanged is enough), keeping
 * each call's operation and body.
 */
export async function tapDynamoDb(upstream: string): Promise<DynamoDbTap> {
  const target = new URL(upstream);
  const calls: DynamoDbCall[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = typeof request.headers['x-amz-target'] === 'string' ? request.headers['x-amz-target'] : '';
      calls.push({ operation: amzTarget.replace(/^DynamoDB_\d+\./, ''), body: body.toString('utf8') });
      const upstreamRequest = forward(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
        },
      );
      upstreamRequest.on('error', () => response.destroy());
      upstreamRequest.end(body);
    });
  });
  const port = await listenOnLoopback(server, 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    getItemsFor: (keyId) => calls.filter((call) => call.operation === 'GetItem' && call.body.includes(`"${keyId}"`)).length,
    stop: () => closeServer(server),
  };
}

export interface ImportRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run -s import:stormpath -- <args>` with this environment, what it printed captured. */
export async function runImporter(args: readonly string[], env: Readonly<Record<string, string>>): Promise<ImportRun> {
  let stdout = '';
  let stderr = '';
  const code = await runImportCli(
    args,
    { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } },
    { ...env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    '/',
  );
  return { code, stdout, stderr };
}

/**
 * `npm run -s import:stormpath -- <args>` into `tableName` at `endpoint`, as
 * under `npm start`: DYNAMODB_ENDPOINT, and a DATA_DIR holding the shared
 * test DynamoDB Local's key, so the importer sees the database the local
 * system uses.
 */
export async function importStormpath(args: readonly string[], target: { endpoint: string; tableName: string }): Promise<ImportRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stormpath-data-'));
  try {
    writeFileSync(join(dataDir, CREDENTIALS_FILE), JSON.stringify(testDynamoDbCredentials()), { mode: 0o600 });
    return await runImporter(args, { DYNAMODB_ENDPOINT: target.endpoint, DATA_DIR: dataDir, TABLE_NAME: target.tableName });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `Authorization: Basic base64(<user>:<password>)`, as `curl -u user:password` sends it. */
export const basicAuthorization = basicHeader;

/** RFC 6749 §2.3.1: the client id and secret form-urlencoded, then joined and base64-encoded. */
export const formEncodedBasicAuthorization = (clientId: string, clientSecret: string): string =>
  basicAuthorization(
    new URLSearchParams({ a: clientId }).toString().slice(2),
    new URLSearchParams({ a: clientSecret }).toString().slice(2),
  );
