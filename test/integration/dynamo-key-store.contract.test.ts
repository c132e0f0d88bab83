import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { freshTable } from '../support/dynamodb';
import { keyStoreContract } from '../support/key-store-contract';

keyStoreContract('DynamoKeyStore on DynamoDB Local', async () => {
  const { client, tableName } = await freshTable();
  return {
    store: new DynamoKeyStore({ client, tableName }),
    close: () => {
      client.destroy();
    },
  };
});
