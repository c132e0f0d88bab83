import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, type DynamoDbTimeouts } from '../lambdas/runtime/clients';
import type { DynamoDbCredentials } from './dynamodb-credentials';

export interface LocalDocumentClientOptions {
  readonly endpoint: string;
  /** Which database of DynamoDB Local to use (see dynamodb-credentials.ts); default the shared one. */
  readonly credentials?: DynamoDbCredentials | undefined;
  readonly timeouts?: DynamoDbTimeouts | undefined;
}

/** A document client on a DynamoDB Local, signing with the given credentials (the deployed functions' client settings). */
export function createLocalDocumentClient(options: LocalDocumentClientOptions): DynamoDBDocumentClient {
  return createDocumentClient(options);
}
