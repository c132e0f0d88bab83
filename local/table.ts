import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type GlobalSecondaryIndex,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput, TABLE } from '../lambdas/store/table-schema';

/**
 * Creates the key table on first start, with TTL on `expiresAt` and its stream, as the CDK
 * stack does; refuses one kept in `.data/` by an older version whose indexes differ.
 */
export async function ensureTable(client: DynamoDBDocumentClient, tableName: string): Promise<'created' | 'existing'> {
  let outcome: 'created' | 'existing' = 'existing';
  const wanted = createTableInput(tableName);
  let table: TableDescription | undefined;
  try {
    table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(wanted));
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the document client sends DescribeTable as it is (it only marshals item commands)
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: tableName });
    outcome = 'created';
  }
  if (table !== undefined) {
    checkIndexes(tableName, table, wanted.GlobalSecondaryIndexes ?? []);
    // A table kept by an older version has no stream: turning it on loses nothing (the lifecycle events start from now).
    if (table.StreamSpecification?.StreamEnabled !== true) {
      await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: wanted.StreamSpecification }));
    }
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      }),
    );
  }
  return outcome;
}

const projectionOf = (index: {
  Projection?: { ProjectionType?: string | undefined; NonKeyAttributes?: string[] | undefined } | undefined;
}): string => `${index.Projection?.ProjectionType ?? ''}:${[...(index.Projection?.NonKeyAttributes ?? [])].sort().join(',')}`;

/** A table kept from an older version, whose indexes no longer match what the code reads. */
export class OutdatedTableError extends Error {
  override readonly name = 'OutdatedTableError';
}

/**
 * Refuses a table whose indexes differ from today's layout (one kept in
 * `.data/` by an older version), naming the way out. Rebuilding indexes in
 * place is slow and unreliable in DynamoDB Local, and local data is disposable.
 */
function checkIndexes(tableName: string, table: TableDescription, wanted: readonly GlobalSecondaryIndex[]): void {
  const existing = new Map((table.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index] as const));
  const outdated = wanted
    .filter((index) => {
      const current = existing.get(index.IndexName);
      return current === undefined || projectionOf(current) !== projectionOf(index);
    })
    .map((index) => index.IndexName);
  if (outdated.length > 0) {
    throw new OutdatedTableError(
      `Table ${tableName} was made by an older version (index ${outdated.join(', ')} missing or different). ` +
        'Delete the local data (rm -rf .data) or start with DATA_DIR set to a new folder.',
    );
  }
}
