import { DescribeTableCommand, type IndexStatus } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { isNoticeable, type ExpiringKeySource, type IndexedKey, type NoticeWindow } from '../events/expiry-notices';
import { isEpochSeconds } from './item-mapping';
import { asStoreFault } from './store-calls';
import { expiryDay, TABLE, type IndexDefinition } from './table-schema';

type Item = Record<string, unknown>;

/** Items per Query page: a page stays small whatever one day holds, and paging goes on until the day is read. */
export const EXPIRY_PAGE_SIZE = 100;

const DAY_SECONDS = 86_400;
const OPTIONAL_FIELDS = ['revokedAt', 'disabledAt', 'replacedBy'] as const;

export interface ExpiryIndexReaderOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Default: today's expiry index (TABLE.expiryIndex). */
  readonly index?: IndexDefinition | undefined;
  readonly pageSize?: number | undefined;
}

/**
 * The index partitions (UTC days, as toItem writes `expiryDay`) a window's expiries fall in, first to last: from the
 * window's `today` to the day before its `before`, so today to today + N.
 */
export function expiryDays(window: NoticeWindow): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${window.today}T00:00:00.000Z`) / 1000; at < window.before; at += DAY_SECONDS) days.push(expiryDay(at));
  return days;
}

/** An index entry, read defensively: one with a missing or mistyped field is left out. */
function toIndexedKey(item: Item): IndexedKey | undefined {
  const { keyId, ownerId, name, expiresAt } = item;
  if (typeof keyId !== 'string' || keyId === '' || item[TABLE.partitionKey] !== keyId) return undefined;
  if (typeof ownerId !== 'string' || ownerId === '' || typeof name !== 'string' || !isEpochSeconds(expiresAt)) return undefined;
  const key: { -readonly [K in keyof IndexedKey]: IndexedKey[K] } = { keyId, ownerId, name, expiresAt };
  for (const field of OPTIONAL_FIELDS) {
    const value = item[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    key[field] = value;
  }
  return key;
}

/**
 * The expiry index (table-schema.ts `byExpiryDay`): a run reads one partition per UTC day of its window, never
 * the table. The index is sparse (a rotation or revocation takes a key out) and eventually consistent (a key
 * revoked a moment ago may still be there): every entry's state and expiry are checked again here.
 */
export class ExpiryIndexReader implements ExpiringKeySource {
  private readonly index: IndexDefinition;
  private readonly pageSize: number;

  constructor(private readonly options: ExpiryIndexReaderOptions) {
    this.index = options.index ?? TABLE.expiryIndex;
    this.pageSize = options.pageSize ?? EXPIRY_PAGE_SIZE;
  }

  get indexName(): string {
    return this.index.name;
  }

  async expiringKeys(window: NoticeWindow): Promise<IndexedKey[]> {
    const keys = new Map<string, IndexedKey>();
    for (const day of expiryDays(window)) {
      let startKey: Item | undefined;
      do {
        const page = await asStoreFault(() => this.queryDay(day, startKey));
        for (const item of page.Items ?? []) {
          const key = toIndexedKey(item);
          if (key !== undefined && isNoticeable(key, window)) keys.set(key.keyId, key);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    }
    return [...keys.values()];
  }

  /**
   * The index's status (DescribeTable), or undefined when the table has no such index. CloudFormation reports a
   * new index created before DynamoDB has backfilled it, and a Query of it fails until it is ACTIVE.
   */
  async indexStatus(): Promise<IndexStatus | undefined> {
    const { Table } = await asStoreFault(() => this.options.client.send(new DescribeTableCommand({ TableName: this.options.tableName })));
    const index = Table?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === this.index.name);
    // IndexStatus, not Backfilling: that flag is absent for indexes made with the table, and only ACTIVE is documented as ready.
    return index === undefined ? undefined : (index.IndexStatus ?? 'CREATING');
  }

  private queryDay(day: string, startKey: Item | undefined): Promise<QueryCommandOutput> {
    return this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: this.index.name,
        KeyConditionExpression: '#day = :day',
        ExpressionAttributeNames: { '#day': this.index.partitionKey },
        ExpressionAttributeValues: { ':day': day },
        Limit: this.pageSize,
        ExclusiveStartKey: startKey,
      }),
    );
  }
}
