import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import type { DynamoDbCredentials } from '../../local/dynamodb-credentials';
import { ensureTable } from '../../local/table';

export function testDynamoDbEndpoint(): string {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (endpoint === undefined) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run through jest (globalSetup starts DynamoDB Local)');
  return endpoint;
}

/** The shared DynamoDB Local's key: without it, a client sees an empty database of its own. */
export function testDynamoDbCredentials(): DynamoDbCredentials {
  const credentials = process.env.TEST_DYNAMODB_CREDENTIALS;
  if (credentials === undefined)
    throw new Error('TEST_DYNAMODB_CREDENTIALS is not set: run through jest (globalSetup starts DynamoDB Local)');
  return JSON.parse(credentials) as DynamoDbCredentials;
}

/** How the local system reaches the shared DynamoDB Local. */
export function testDynamoDb(): { endpoint: string; credentials: DynamoDbCredentials } {
  return { endpoint: testDynamoDbEndpoint(), credentials: testDynamoDbCredentials() };
}

/** A fresh table in the shared DynamoDB Local, so test files never see each other's keys. */
export async function freshTable(): Promise<{ client: DynamoDBDocumentClient; tableName: string }> {
  const client = createDocumentClient(testDynamoDb());
  const tableName = `t${randomUUID().replace(/-/g, '')}`;
  await ensureTable(client, tableName);
  return { client, tableName };
}
