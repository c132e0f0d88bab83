import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredKey } from '../domain/api-key';
import type { AuditEvent } from '../domain/audit-event';
import { IMPORTED_COUNTS, IMPORTED_TOTAL, importedBucket } from './imported-slots';
import { putEvents, putNewKey } from './key-writes';
import { namedTransaction, type TransactItem } from './named-transaction';
import { ensureOwnerItem } from './owner-limit';
import { withConflictRetries, type StoreContext } from './store-calls';
import { ownerItemKey, TABLE } from './table-schema';
import { indexPlan } from './table-upgrade';

/** One key to import, with the audit event that says so. */
export interface KeyToImport {
  readonly key: StoredKey;
  readonly event: AuditEvent;
}

export interface ImportWriteResult {
  /** Written now. */
  readonly imported: readonly string[];
  /** Already in the table: left exactly as it is (never revived, never changed). */
  readonly alreadyImported: readonly string[];
}

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Writes imported keys: each batch is one transaction that puts its keys
 * (only where no item has that id), their `import` events, and adds them to
 * their owners' imported counts (imported-slots.ts), so the counts can never
 * disagree with the keys, even when a run is interrupted.
 *
 * Transactions rather than BatchWriteItem: a batch write's Put replaces an
 * existing item unconditionally, so a key revoked, disabled or rotated since
 * an earlier run would be revived. With the condition, a key already there
 * is reported and skipped: re-running an import is safe.
 */
export class KeyImportWriter {
  private readonly context: StoreContext;

  constructor(options: {
    readonly client: DynamoDBDocumentClient;
    readonly tableName: string;
    readonly sleep?: (ms: number) => Promise<void>;
  }) {
    this.context = {
      client: options.client,
      tableName: options.tableName,
      indexes: indexPlan().reads,
      maxConflictRetries: 8,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
  }

  /** The owner item with its slot map and imported counts, before any of its keys is written. */
  async prepareOwner(ownerId: string): Promise<void> {
    await withConflictRetries(this.context, async () => {
      await ensureOwnerItem(this.context, ownerId);
      await this.context.client.send(
        new UpdateCommand({
          TableName: this.context.tableName,
          Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
          UpdateExpression: `SET ${IMPORTED_TOTAL} = if_not_exists(${IMPORTED_TOTAL}, :zero)`,
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    });
  }

  /**
   * One batch: at most MAX_TRANSACTION_ITEMS items in all (one per owner,
   * two per key: batchesOf builds such batches). A key that exists is taken
   * out and the rest tried again.
   */
  async write(batch: readonly KeyToImport[]): Promise<ImportWriteResult> {
    const { tableName } = this.context;
    const alreadyImported: string[] = [];
    let pending = [...batch];
    return withConflictRetries(this.context, async () => {
      while (pending.length > 0) {
        const keys = pending;
        const transaction = namedTransaction<string>({
          owners: ownerCounts(tableName, keys),
          ...Object.fromEntries(keys.map((entry, i) => [`key${i}`, putNewKey(tableName, entry.key)])),
          events: putEvents(
            tableName,
            keys.map((entry) => entry.event),
          ),
        });
        try {
          await this.context.client.send(transaction.command);
          return { imported: keys.map((entry) => entry.key.keyId), alreadyImported };
        } catch (error) {
          const failed = transaction.failedConditions(error);
          const existing = new Set(keys.filter((_, i) => failed?.has(`key${i}`) === true).map((entry) => entry.key.keyId));
          if (failed === undefined || failed.has('owners') || existing.size === 0) throw error;
          alreadyImported.push(...existing);
          pending = keys.filter((entry) => !existing.has(entry.key.keyId));
        }
      }
      return { imported: [], alreadyImported };
    });
  }
}

/** Each owner's imported counts, raised by its keys in the batch (one update per owner: an item appears once per transaction). */
function ownerCounts(tableName: string, keys: readonly KeyToImport[]): TransactItem[] {
  const byOwnerAndBucket = new Map<string, Map<string, number>>();
  for (const { key } of keys) {
    const buckets = byOwnerAndBucket.get(key.ownerId) ?? new Map<string, number>();
    const bucket = importedBucket(key.expiresAt);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    byOwnerAndBucket.set(key.ownerId, buckets);
  }
  return [...byOwnerAndBucket].map(([ownerId, buckets]) => {
    const entries = [...buckets];
    const total = entries.reduce((sum, [, count]) => sum + count, 0);
    return {
      Update: {
        TableName: tableName,
        Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
        UpdateExpression: `SET ${[
          ...entries.map((_, i) => `${IMPORTED_COUNTS}.#b${i} = if_not_exists(${IMPORTED_COUNTS}.#b${i}, :zero) + :n${i}`),
          `${IMPORTED_TOTAL} = ${IMPORTED_TOTAL} + :total`,
        ].join(', ')}`,
        // prepareOwner made both; without them the counts would be lost, so the batch fails instead.
        ConditionExpression: `attribute_exists(${IMPORTED_COUNTS}) AND attribute_exists(${IMPORTED_TOTAL})`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([bucket], i) => [`#b${i}`, bucket])),
        ExpressionAttributeValues: { ':zero': 0, ':total': total, ...Object.fromEntries(entries.map(([, count], i) => [`:n${i}`, count])) },
      },
    };
  });
}

/** Items one batch of these keys takes: an owner update per owner, a put and an event per key. */
const itemsFor = (owners: number, keys: number): number => owners + 2 * keys;

/**
 * Splits keys (sorted by owner) into batches of at most
 * MAX_TRANSACTION_ITEMS items, several small owners sharing one.
 */
export function batchesOf(keys: readonly KeyToImport[]): KeyToImport[][] {
  const batches: KeyToImport[][] = [];
  let current: KeyToImport[] = [];
  let owners = new Set<string>();
  for (const entry of keys) {
    const addsOwner = !owners.has(entry.key.ownerId);
    if (itemsFor(owners.size + (addsOwner ? 1 : 0), current.length + 1) > MAX_TRANSACTION_ITEMS) {
      batches.push(current);
      current = [];
      owners = new Set();
    }
    current.push(entry);
    owners.add(entry.key.ownerId);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
