import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, createDocumentClient } from '../lambdas/runtime/clients';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { freePort } from '../test/support/free-port';
import { DynamoCounter } from './dynamo-counter';
import type { Progress } from './output';
import type { StopRegistry } from './stop-registry';

export interface BenchDynamoDb {
  readonly endpoint: string;
  /** For tables and seeding: DynamoDB Local's generous timeouts. */
  readonly admin: DynamoDBDocumentClient;
  /** The authorizer's own client, with the deployed authorizer's timeouts, every operation counted by `counter`. */
  readonly client: DynamoDBDocumentClient;
  readonly counter: DynamoCounter;
}

/** DynamoDB Local, in memory, on a free port, and the two clients on it; all registered to be stopped. */
export async function startBenchDynamoDb(stops: StopRegistry, progress: Progress): Promise<BenchDynamoDb> {
  progress('starting DynamoDB Local (in memory)');
  const dynamodb = await startDynamoDbLocal({ port: await freePort() });
  stops.trackChild(dynamodb.process);
  stops.add('DynamoDB Local', () => dynamodb.stop());
  const admin = createDocumentClient({ endpoint: dynamodb.endpoint });
  stops.add('admin client', () => {
    admin.destroy();
    return Promise.resolve();
  });
  const client = createDocumentClient({ endpoint: dynamodb.endpoint, timeouts: AUTHORIZER_DYNAMODB_TIMEOUTS });
  stops.add('authorizer client', () => {
    client.destroy();
    return Promise.resolve();
  });
  return { endpoint: dynamodb.endpoint, admin, client, counter: new DynamoCounter(client) };
}
