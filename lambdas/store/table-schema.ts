import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single table's layout, shared by the repository, the CDK stack and the
 * local launcher so the three cannot drift apart.
 *
 * - key items:   pk = <keyId>          (validation is exactly one GetItem)
 * - owner items: pk = owner#<sub>      (holds the owner's active keys, for the limit)
 *
 * Key ids are base62, so they can never collide with an `owner#` item.
 */
export const TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  ownerIndex: {
    name: 'byOwner',
    partitionKey: 'ownerId',
    sortKey: 'createdAt',
    /** The index never holds secret hashes. */
    projectedAttributes: ['keyId', 'name', 'scopes', 'expiresAt', 'revokedAt', 'lastUsedAt'],
  },
} as const;

export const ownerItemKey = (ownerId: string): string => `owner#${ownerId}`;

/** For DynamoDB Local and tests; the CDK stack declares the same table. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE.ownerIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE.ownerIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE.ownerIndex.name,
        KeySchema: [
          { AttributeName: TABLE.ownerIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.ownerIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: 'INCLUDE',
          NonKeyAttributes: [...TABLE.ownerIndex.projectedAttributes],
        },
      },
    ],
  };
}
