import type { AttributeDefinition, CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';

/**
 * The single table's layout, shared by the repository, the CDK stack and the
 * local launcher so the three cannot drift apart.
 *
 * - key items:   pk = <keyId>          (validation is exactly one GetItem)
 * - owner items: pk = owner#<sub>      (holds the owner's active keys, for the limit)
 * - event items: pk = event#<keyId>#... (a key's audit trail, read through the event index)
 * - import markers: pk = import#<keyId> (a key id an import wrote once: never written again)
 *
 * Its stream carries every new item's image; the lifecycle-events function publishes the event items'.
 *
 * Key ids are 22 base62 characters, so they never contain `#` and can never
 * collide with an `owner#` or `event#` item (the authorizer's IAM policy relies on it).
 */

/** A global secondary index, as released: its name and projection never change afterwards. */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** `ALL`, or the non-key attributes projected (INCLUDE). */
  readonly projection: 'ALL' | readonly string[];
}

/** What a KeyView needs from a key item, never its hash. */
const KEY_SUMMARY_ATTRIBUTES = [
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
] as const;

const OWNER_KEY = { partitionKey: 'ownerId', sortKey: 'createdAt' } as const;

/**
 * Every index the table has had. CloudFormation cannot change an index's
 * projection in place (a change is a delete plus a create, and one update may
 * do only one of them), so a new projection gets a new name, `<name>-v<n>`:
 * it is added, read once ACTIVE, and the old one removed, one deploy each
 * (table-upgrade.ts has the steps).
 */
export const INDEXES = {
  /** Release 1 (before the key lifecycle): too few attributes for today's KeyView. */
  ownerRelease1: { name: 'byOwner', ...OWNER_KEY, projection: ['keyId', 'name', 'scopes', 'expiresAt', 'revokedAt', 'lastUsedAt'] },
  /** The same name with the lifecycle projection: stacks deployed from the unreleased key-lifecycle code. */
  ownerLifecycle: { name: 'byOwner', ...OWNER_KEY, projection: KEY_SUMMARY_ATTRIBUTES },
  /** The owner index now: generation 2, never a hash. */
  ownerV2: { name: 'byOwner-v2', ...OWNER_KEY, projection: KEY_SUMMARY_ATTRIBUTES },
  /** Sparse (only event items have `eventKeyId`); events hold nothing secret, so all is projected. `eventAt` is `<ISO time>#<n>`. */
  events: { name: 'byKeyEvents', partitionKey: 'eventKeyId', sortKey: 'eventAt', projection: 'ALL' },
  /**
   * Sparse: the keys that will expire as planned, by the UTC day they expire (`expiryDay`, YYYY-MM-DD), so the
   * daily expiry notice reads a week's partitions rather than the table. A key leaves it when rotated or revoked.
   * `keyId` (a string on every key item) only orders a partition.
   */
  expiry: {
    name: 'byExpiryDay',
    partitionKey: 'expiryDay',
    sortKey: 'keyId',
    projection: ['ownerId', 'name', 'expiresAt', 'revokedAt', 'disabledAt', 'replacedBy'],
  },
} as const satisfies Record<string, IndexDefinition>;

export const TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  /** The owner index a fresh or fully upgraded table has. */
  ownerIndex: { ...INDEXES.ownerV2, projectedAttributes: KEY_SUMMARY_ATTRIBUTES },
  eventIndex: INDEXES.events,
  expiryIndex: INDEXES.expiry,
  /**
   * The table's stream: each new item's image, which the lifecycle-events function turns into EventBridge events
   * (audit event items only). NEW_IMAGE: what an event says is all in the item written; nothing old is needed.
   */
  streamViewType: 'NEW_IMAGE',
} as const;

/** The indexes of a fresh or fully upgraded table. */
export const CURRENT_INDEXES: readonly IndexDefinition[] = [INDEXES.ownerV2, INDEXES.events, INDEXES.expiry];

/** The expiry index's partition of a key expiring at `expiresAt` (epoch seconds): its UTC day. */
export const expiryDay = (expiresAt: number): string => new Date(expiresAt * 1000).toISOString().slice(0, 10);

/** Whether an owner index holds every attribute a key summary needs (else the listing reads the items themselves). */
export const projectsKeySummary = (index: IndexDefinition): boolean =>
  index.projection === 'ALL' || KEY_SUMMARY_ATTRIBUTES.every((attribute) => index.projection.includes(attribute));

export const ownerItemKey = (ownerId: string): string => `owner#${ownerId}`;
/** That a key id was imported (lambdas/store/key-import.ts): no TTL, no index attribute, nothing secret. */
export const importMarkerKey = (keyId: string): string => `import#${keyId}`;
/** What every audit event item's key starts with: the stream's filter lets only those through (lib/lifecycle-events.ts). */
export const EVENT_ITEM_PREFIX = 'event#';
export const eventItemKey = (keyId: string, eventAt: string, nonce: string): string => `${EVENT_ITEM_PREFIX}${keyId}#${eventAt}#${nonce}`;

/** The index as DynamoDB's CreateTable takes it. */
export function globalSecondaryIndex(index: IndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection:
      index.projection === 'ALL' ? { ProjectionType: 'ALL' } : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] },
  };
}

/** For DynamoDB Local and tests; the CDK stack declares the same table (lib/key-table.ts). */
export function createTableInput(tableName: string, indexes: readonly IndexDefinition[] = CURRENT_INDEXES): CreateTableCommandInput {
  const keyAttributes = [TABLE.partitionKey, ...new Set(indexes.flatMap((index) => [index.partitionKey, index.sortKey]))];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes.map((name): AttributeDefinition => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: indexes.map(globalSecondaryIndex),
    StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE.streamViewType },
  };
}
