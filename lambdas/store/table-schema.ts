import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single table's layout, shared by the repository, the CDK stack and the
 * local launcher so the three cannot drift apart.
 *
 * - key items:   pk = <keyId>          (validation is exactly one GetItem)
 * - owner items: pk = owner#<sub>      (holds the owner's active keys, for the limit)
 * - event items: pk = event#<keyId>#... (a key's audit trail, read through `byKeyEvents`)
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
    projectedAttributes: [
      'keyId',
      'name',
      'scopes',
      'expiresAt',
      'revokedAt',
      'disabledAt',
      'rotatedAt',
      'replacedBy',
      'rotatedFrom',
      'lastUsedAt',
    ],
  },
  /** Sparse: only event items have `eventKeyId`. Events hold nothing secret, so all is projected. */
  eventIndex: {
    name: 'byKeyEvents',
    partitionKey: 'eventKeyId',
    /** `<ISO time>#<n>`: n orders the events one change writes together. */
    sortKey: 'eventAt',
  },
} as const;

export const ownerItemKey = (ownerId: string): string => `owner#${ownerId}`;
export const eventItemKey = (keyId: string, eventAt: string, nonce: string): string => `event#${keyId}#${eventAt}#${nonce}`;

/** For DynamoDB Local and tests; the CDK stack declares the same table. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE.ownerIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE.ownerIndex.sortKey, AttributeType: 'S' },
      { AttributeName: TABLE.eventIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE.eventIndex.sortKey, AttributeType: 'S' },
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
      {
        IndexName: TABLE.eventIndex.name,
        KeySchema: [
          { AttributeName: TABLE.eventIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.eventIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
