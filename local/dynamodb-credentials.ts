import { SHARED_DB_CREDENTIALS as SHARED_LOCAL_CREDENTIALS } from '../lambdas/runtime/clients';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * DynamoDB Local checks no signature: without -sharedDb it keeps one database
 * per access key id and region (`<accessKeyId>_<region>.db`). An access key id
 * nobody else knows is therefore the password of the table, and the secret
 * is only there because the SDK needs one.
 */
export interface DynamoDbCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The region every project client signs with; it is part of the database file's name. */
export const LOCAL_REGION = 'local';

/**
 * What the project signed with before each data folder had its own key. Any
 * DynamoDB Local started with -sharedDb (docker, another project) accepts
 * them, so they remain the fallback for a DYNAMODB_ENDPOINT that is not ours.
 */
export const SHARED_DB_CREDENTIALS: DynamoDbCredentials = SHARED_LOCAL_CREDENTIALS;

/** Kept in the data folder, readable by its owner only. */
export const CREDENTIALS_FILE = 'dynamodb-local-credentials.json';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** DynamoDB Local 2.x+ accepts only letters and digits in an access key id. */
const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;

function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && out.length < length) out += BASE62.charAt(byte % 62); // 248 = 4 * 62: no modulo bias
    }
  }
  return out;
}

/** 40 base62 characters: about 238 bits, the whole protection of the table. */
export function randomCredentials(): DynamoDbCredentials {
  return { accessKeyId: `L${base62(39)}`, secretAccessKey: base62(40) };
}

export function credentialsPath(dataDir: string): string {
  return join(dataDir, CREDENTIALS_FILE);
}

function parse(text: string, path: string): DynamoDbCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const { accessKeyId, secretAccessKey } = (value ?? {}) as Partial<Record<keyof DynamoDbCredentials, unknown>>;
  if (
    typeof accessKeyId !== 'string' ||
    !ACCESS_KEY_ID.test(accessKeyId) ||
    typeof secretAccessKey !== 'string' ||
    secretAccessKey === ''
  ) {
    throw new Error(`${path} is not a DynamoDB Local credentials file: delete it only together with the data folder (rm -rf the folder)`);
  }
  return { accessKeyId, secretAccessKey };
}

/** The data folder's credentials, or undefined when it has none (yet). Tightens a file others could read. */
export function readCredentials(dataDir: string): DynamoDbCredentials | undefined {
  const path = credentialsPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return parse(text, path);
}

/** The data folder's credentials, made on its first start (created exclusively, mode 0600). */
export function dataFolderCredentials(dataDir: string): { credentials: DynamoDbCredentials; created: boolean } {
  const existing = readCredentials(dataDir);
  if (existing !== undefined) return { credentials: existing, created: false };
  const credentials = randomCredentials();
  try {
    writeFileSync(credentialsPath(dataDir), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return { credentials: parse(readFileSync(credentialsPath(dataDir), 'utf8'), credentialsPath(dataDir)), created: false };
    throw error;
  }
  return { credentials, created: true };
}
