import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { freePort } from './free-port';

/**
 * One in-memory DynamoDB Local for the integration and end-to-end tiers; each
 * test file uses its own tables. Its random key reaches the workers through
 * the environment (see testDynamoDb in dynamodb.ts).
 */
export default async function setup(): Promise<void> {
  process.env.DDB_LOCAL_TELEMETRY = '0';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamodb = await startDynamoDbLocal({ port: await freePort() });
  process.env.TEST_DYNAMODB_ENDPOINT = dynamodb.endpoint;
  process.env.TEST_DYNAMODB_CREDENTIALS = JSON.stringify(dynamodb.credentials);
  (globalThis as { __dynamodbLocal?: typeof dynamodb }).__dynamodbLocal = dynamodb;
}
