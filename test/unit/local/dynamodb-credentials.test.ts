import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsPath, dataFolderCredentials, randomCredentials, readCredentials } from '../../../local/dynamodb-credentials';
import { databaseFile, migrateSharedDb, SHARED_DB_FILE, SharedDbConflictError } from '../../../local/shared-db-migration';
import { localSettingsFromEnv } from '../../../local/settings';

describe('DynamoDB Local credentials of a data folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'uak-creds-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('are random, letters and digits only (what DynamoDB Local accepts), different every time', () => {
    const a = randomCredentials();
    expect(a.accessKeyId).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(a.secretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(randomCredentials().accessKeyId).not.toBe(a.accessKeyId);
  });

  it('are made on first use with mode 0600, then the same on every later start', () => {
    const first = dataFolderCredentials(dir);
    expect(first.created).toBe(true);
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
    expect(dataFolderCredentials(dir)).toEqual({ credentials: first.credentials, created: false });
    expect(readCredentials(dir)).toEqual(first.credentials);
  });

  it('tighten a file others can read, and refuse one that is not credentials, naming it', () => {
    const { credentials } = dataFolderCredentials(dir);
    chmodSync(credentialsPath(dir), 0o644);
    expect(readCredentials(dir)).toEqual(credentials);
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
    writeFileSync(credentialsPath(dir), '{"accessKeyId":"has_underscore","secretAccessKey":"x"}');
    expect(() => readCredentials(dir)).toThrow(`${credentialsPath(dir)} is not a DynamoDB Local credentials file`);
  });

  it('are what the project signs with given DYNAMODB_ENDPOINT and that DATA_DIR; else the shared ones', () => {
    expect(readCredentials(dir)).toBeUndefined(); // so the shared ones: see local/local-system.ts
    expect(localSettingsFromEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8123', DATA_DIR: dir }, '/').dynamodb).toStrictEqual({
      endpoint: 'http://127.0.0.1:8123',
    });
    const { credentials } = dataFolderCredentials(dir);
    expect(readCredentials(dir)).toEqual(credentials);
    expect(localSettingsFromEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8123', DATA_DIR: dir }, '/').dynamodb).toEqual({
      endpoint: 'http://127.0.0.1:8123',
      credentials,
    });
    // The folder's key never goes to a DynamoDB on another machine.
    expect(localSettingsFromEnv({ DYNAMODB_ENDPOINT: 'http://ddb.example.com:8000', DATA_DIR: dir }, '/').dynamodb).toStrictEqual({
      endpoint: 'http://ddb.example.com:8000',
    });
    expect(localSettingsFromEnv({ DYNAMODB_ENDPOINT: 'http://localhost:8123', DATA_DIR: dir }, '/').dynamodb).toEqual({
      endpoint: 'http://localhost:8123',
      credentials,
    });
  });
});

describe('a data folder made with -sharedDb by an older version', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'uak-shared-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has its shared database moved to the folder’s own file, once', () => {
    const credentials = randomCredentials();
    writeFileSync(join(dir, SHARED_DB_FILE), 'tables');
    expect(migrateSharedDb(dir, credentials)).toBe(true);
    expect(readFileSync(join(dir, databaseFile(credentials)), 'utf8')).toBe('tables');
    expect(databaseFile(credentials)).toBe(`${credentials.accessKeyId}_local.db`);
    expect(migrateSharedDb(dir, credentials)).toBe(false);
  });

  it('is refused, naming the way out, when both the shared file and the folder’s own exist', () => {
    const credentials = randomCredentials();
    writeFileSync(join(dir, SHARED_DB_FILE), 'old');
    writeFileSync(join(dir, databaseFile(credentials)), 'new');
    expect(() => migrateSharedDb(dir, credentials)).toThrow(SharedDbConflictError);
    expect(() => migrateSharedDb(dir, credentials)).toThrow(`Delete ${join(dir, SHARED_DB_FILE)} to keep the current data`);
  });
});
