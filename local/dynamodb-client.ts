import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_DYNAMODB_TIMEOUTS, type DynamoDbTimeouts } from '../lambdas/runtime/clients';
import { LOCAL_REGION, SHARED_DB_CREDENTIALS, type DynamoDbCredentials } from './dynamodb-credentials';

export interface LocalDocumentClientOptions {
  readonly endpoint: string;
  /** Which database of DynamoDB Local to use (see dynamodb-credentials.ts); default the shared one. */
  readonly credentials?: DynamoDbCredentials | undefined;
  readonly timeouts?: DynamoDbTimeouts | undefined;
}

/**
 * A document client on a DynamoDB Local, signing with the given credentials.
 * The same client settings as lambdas/runtime/clients.ts's createDocumentClient,
 * which always signs with the shared credentials.
 */
export function createLocalDocumentClient(options: LocalDocumentClientOptions): DynamoDBDocumentClient {
  const timeouts = options.timeouts ?? LOCAL_DYNAMODB_TIMEOUTS;
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: LOCAL_REGION,
    credentials: { ...(options.credentials ?? SHARED_DB_CREDENTIALS) },
    maxAttempts: timeouts.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: true },
    },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
