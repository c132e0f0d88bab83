import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/runtime/clients';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { createTableInput, INDEXES } from '../../lambdas/store/table-schema';
import { indexPlan } from '../../lambdas/store/table-upgrade';
import { rejection } from '../support/domain-errors';
import { testDynamoDb } from '../support/dynamodb';
import { storedTestKey, testEvent } from '../support/key-policy';

/** A table as it stands after the first step from release 1: release 1's byOwner, and byOwner-v2 being built. */
describe('listing keys during an upgrade from release 1, against DynamoDB Local', () => {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const step = indexPlan('release1-add-owner-v2');
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let store: DynamoKeyStore;

  beforeAll(async () => {
    client = createDocumentClient(testDynamoDb());
    tableName = `up${randomUUID().replace(/-/g, '')}`;
    await client.send(new CreateTableCommand(createTableInput(tableName, step.declared)));
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the document client sends DescribeTable as it is
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: tableName });
    store = new DynamoKeyStore({ client, tableName, indexes: step.reads });
  });
  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  it('shows a disabled key as disabled, though release 1’s index does not hold disabledAt', async () => {
    const key = storedTestKey('carol', now);
    await store.insertKey(key, 20, now, testEvent(key, 'create', now));
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: key.keyId },
        UpdateExpression: 'SET disabledAt = :at',
        ExpressionAttributeValues: { ':at': now.toISOString() },
      }),
    );
    const indexed = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEXES.ownerRelease1.name,
        KeyConditionExpression: 'ownerId = :o',
        ExpressionAttributeValues: { ':o': 'carol' },
      }),
    );
    expect(indexed.Items).toHaveLength(1);
    expect(indexed.Items![0]).not.toHaveProperty('disabledAt');
    const { keys } = await store.listKeys('carol', { limit: 10 });
    expect(keys).toEqual([expect.objectContaining({ keyId: key.keyId, disabledAt: now.toISOString() })]);
    expect(keys[0]).not.toHaveProperty('secretHash');
  });

  it('answers the audit trail with 503 until the step that reads the event index', async () => {
    const key = storedTestKey('dave', now);
    await store.insertKey(key, 20, now, testEvent(key, 'create', now));
    expect(await rejection(store.listEvents(key.keyId, { limit: 10 }))).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
  });
});
