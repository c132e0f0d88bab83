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
 * Creates the key table on first start, with TTL on `expiresAt`, as the CDK
 * stack does; a table kept in `.data/` from an older version gets the indexes
 * it lacks (and any whose projection changed is rebuilt).
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
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: tableName });
    outcome = 'created';
  }
  if (table !== undefined) {
    await upgradeIndexes(client, tableName, table, wanted.GlobalSecondaryIndexes ?? []);
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

const projectionOf = (index: { Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } }): string =>
  `${index.Projection?.ProjectionType ?? ''}:${[...(index.Projection?.NonKeyAttributes ?? [])].sort().join(',')}`;

async function upgradeIndexes(
  client: DynamoDBDocumentClient,
  tableName: string,
  table: TableDescription,
  wanted: readonly GlobalSecondaryIndex[],
): Promise<void> {
  const existing = new Map((table.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index] as const));
  const attributes = createTableInput(tableName).AttributeDefinitions;
  for (const index of wanted) {
    const current = existing.get(index.IndexName);
    if (current !== undefined && projectionOf(current) === projectionOf(index)) continue;
    if (current !== undefined) {
      await client.send(
        new UpdateTableCommand({ TableName: tableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: index.IndexName } }] }),
      );
      await waitForIndexes(client, tableName, (indexes) => !indexes.some((existing) => existing.IndexName === index.IndexName));
    }
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributes,
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
      }),
    );
    await waitForIndexes(client, tableName, (indexes) =>
      indexes.some((existing) => existing.IndexName === index.IndexName && existing.IndexStatus === 'ACTIVE'),
    );
  }
}

/** Index changes are asynchronous (and slow in DynamoDB Local under load): wait up to 2 minutes until `ready` holds. */
async function waitForIndexes(
  client: DynamoDBDocumentClient,
  tableName: string,
  ready: (indexes: NonNullable<TableDescription['GlobalSecondaryIndexes']>) => boolean,
): Promise<void> {
  for (let waited = 0; waited < 120_000; waited += 100) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (ready(Table?.GlobalSecondaryIndexes ?? [])) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The indexes of table ${tableName} did not become ready within 120 s`);
}
