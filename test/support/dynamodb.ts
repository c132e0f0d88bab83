import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { ensureTable } from '../../local/table';

export function testDynamoDbEndpoint(): string {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (endpoint === undefined) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run through jest (globalSetup starts DynamoDB Local)');
  return endpoint;
}

/** A fresh table in the shared DynamoDB Local, so test files never see each other's keys. */
export async function freshTable(): Promise<{ client: DynamoDBDocumentClient; tableName: string }> {
  const client = createDocumentClient({ endpoint: testDynamoDbEndpoint() });
  const tableName = `t${randomUUID().replace(/-/g, '')}`;
  await ensureTable(client, tableName);
  return { client, tableName };
}
