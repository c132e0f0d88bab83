import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { namedTransaction, type TransactItem } from '../../lambdas/store/named-transaction';
import { freshTable } from '../support/dynamodb';

describe('namedTransaction against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'taken' } }));
  });
  afterAll(() => {
    client.destroy();
  });

  const putIfAbsent = (pk: string): TransactItem => ({
    Put: { TableName: tableName, Item: { pk }, ConditionExpression: 'attribute_not_exists(pk)' },
  });

  async function failure(send: () => Promise<unknown>): Promise<unknown> {
    try {
      await send();
    } catch (error) {
      return error;
    }
    throw new Error('expected the transaction to be cancelled');
  }

  it('sees the SDK’s own TransactionCanceledException through the document client, and names the failed item', async () => {
    const transaction = namedTransaction({ fresh: putIfAbsent('fresh-1'), taken: putIfAbsent('taken'), events: [putIfAbsent('e-1')] });
    const error = await failure(() => client.send(transaction.command));
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(transaction.failedConditions(error)).toEqual(new Set(['taken']));
  });

  it('names the same item when the items are given in another order', async () => {
    const transaction = namedTransaction({
      events: [putIfAbsent('e-2'), putIfAbsent('e-3')],
      taken: putIfAbsent('taken'),
      fresh: putIfAbsent('fresh-2'),
    });
    const error = await failure(() => client.send(transaction.command));
    expect(transaction.failedConditions(error)).toEqual(new Set(['taken']));
  });

  it('says nothing of an error that is not a cancellation', () => {
    const transaction = namedTransaction({ taken: putIfAbsent('taken') });
    expect(transaction.failedConditions(new Error('socket hang up'))).toBeUndefined();
  });
});
