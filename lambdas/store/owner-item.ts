import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './store-calls';
import { ownerItemKey, TABLE } from './table-schema';

/** The owner item (table-schema.ts), read strongly consistently: its slots, imported counts, budget and Auth0 status. */
export async function readOwnerItem(context: StoreContext, ownerId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await context.client.send(
    new GetCommand({ TableName: context.tableName, Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) }, ConsistentRead: true }),
  );
  return Item;
}

/** A number the owner item holds under `name`, or nothing (absent, or not a number). */
export const numberAttribute = (item: Readonly<Record<string, unknown>> | undefined, name: string): number | undefined =>
  typeof item?.[name] === 'number' ? item[name] : undefined;
