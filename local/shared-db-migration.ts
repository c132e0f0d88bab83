import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_REGION, type DynamoDbCredentials } from './dynamodb-credentials';

/** The single file DynamoDB Local keeps with -sharedDb, as versions before per-folder credentials ran it. */
export const SHARED_DB_FILE = 'shared-local-instance.db';

/** The file DynamoDB Local (without -sharedDb) keeps for these credentials. */
export function databaseFile(credentials: DynamoDbCredentials): string {
  return `${credentials.accessKeyId}_${LOCAL_REGION}.db`;
}

export class SharedDbConflictError extends Error {
  override readonly name = 'SharedDbConflictError';
}

/**
 * A data folder made with -sharedDb keeps its tables in one shared file. The
 * file format is the same, so renaming it to this folder's own database file
 * keeps every key; nobody without the credentials can reach it afterwards.
 * Returns whether it moved anything.
 */
export function migrateSharedDb(dataDir: string, credentials: DynamoDbCredentials): boolean {
  const shared = join(dataDir, SHARED_DB_FILE);
  if (!existsSync(shared)) return false;
  const own = join(dataDir, databaseFile(credentials));
  if (existsSync(own)) {
    throw new SharedDbConflictError(
      `${dataDir} holds both ${SHARED_DB_FILE} (written by an older version with -sharedDb) and this folder's own database. ` +
        `Delete ${shared} to keep the current data, or start with DATA_DIR set to a new folder.`,
    );
  }
  renameSync(shared, own);
  return true;
}
