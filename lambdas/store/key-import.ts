import type { StoredKey } from '../domain/api-key';
import type { AuditEvent } from '../domain/audit-event';
import { IMPORTED_COUNTS, importedBucket, importedDeltaParts, withDelta, type ImportedDeltas } from './imported-slots';
import { putEvents, putNewKey } from './key-writes';
import { namedTransaction, type TransactItem } from './named-transaction';
import type { OwnerStatusView } from '../domain/key-store';
import { ensureOwnerItem } from './owner-limit';
import { AUTH0_DELETED_AT, AUTH0_STATUS, readOwnerStatus } from './owner-status';
import { storeContext, withConflictRetries, type StoreContext, type StoreContextOptions } from './store-calls';
import { importMarkerKey, ownerItemKey, TABLE } from './table-schema';

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
 * is reported and skipped: re-running an import is safe. So is a key whose
 * item TTL has removed since: each import leaves a marker (putImportMarker).
 */
export class KeyImportWriter {
  private readonly context: StoreContext;

  constructor(options: Pick<StoreContextOptions, 'client' | 'tableName' | 'sleep'>) {
    this.context = storeContext(options);
  }

  /**
   * The owner item with its slot map and imported counts' map, before any of its keys is written; answers
   * what Auth0 has reported about the owner (owner-status.ts), which decides how their keys come in.
   */
  async prepareOwner(ownerId: string): Promise<OwnerStatusView> {
    await withConflictRetries(this.context, () => ensureOwnerItem(this.context, ownerId));
    return readOwnerStatus(this.context, ownerId);
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
          ...Object.fromEntries(keys.map((entry, i) => [`marker${i}`, putImportMarker(tableName, entry)])),
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
          const existing = new Set(
            keys.filter((_, i) => failed?.has(`key${i}`) === true || failed?.has(`marker${i}`) === true).map((entry) => entry.key.keyId),
          );
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
  const byOwner = new Map<string, ImportedDeltas>();
  for (const { key } of keys) byOwner.set(key.ownerId, withDelta(byOwner.get(key.ownerId) ?? {}, importedBucket(key.expiresAt), 1));
  return [...byOwner].map(([ownerId, deltas]) => {
    const parts = importedDeltaParts(deltas);
    return {
      Update: {
        TableName: tableName,
        Key: { [TABLE.partitionKey]: ownerItemKey(ownerId) },
        UpdateExpression: `SET ${parts.set.join(', ')}`,
        // prepareOwner made the map; without it the counts could not be kept, so the batch fails instead. And
        // Auth0's word on the owner is still what prepareOwner read (a live key for a user blocked or deleted
        // since would escape the report): else the batch fails, and a re-run imports the rest as it now says.
        ConditionExpression: `attribute_exists(${IMPORTED_COUNTS}) AND attribute_not_exists(${AUTH0_DELETED_AT}) AND ${
          keys.some((entry) => entry.key.ownerId === ownerId && entry.key.disabledBy !== undefined)
            ? `attribute_exists(${AUTH0_STATUS})`
            : `attribute_not_exists(${AUTH0_STATUS})`
        }`,
        ExpressionAttributeNames: { ...parts.names },
        ExpressionAttributeValues: { ...parts.values },
      },
    };
  });
}

/**
 * The record that a key id was imported, kept for good (no TTL): a re-run
 * skips the key even after TTL has removed its item, so a key revoked or
 * rotated away, then purged, never comes back.
 */
function putImportMarker(tableName: string, entry: KeyToImport): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: { [TABLE.partitionKey]: importMarkerKey(entry.key.keyId), importedAt: entry.key.createdAt },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

/** Items one batch of these keys takes: an owner update per owner; per key its put, its marker and its event. */
const itemsFor = (owners: number, keys: number): number => owners + 3 * keys;

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
