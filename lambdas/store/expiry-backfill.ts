import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isEpochSeconds } from './item-mapping';
import { expiryDay, TABLE } from './table-schema';

type Item = Record<string, unknown>;

export interface ExpiryBackfillOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Count what would change, write nothing. */
  readonly dryRun?: boolean | undefined;
  /** Parallel Scan segments (default 4). */
  readonly segments?: number | undefined;
  /** Items per Scan page (default 100). */
  readonly pageSize?: number | undefined;
  /** At most this many items read per second, and this many written, across all segments (default 200). */
  readonly itemsPerSecond?: number | undefined;
  /** Keys that expired by then are left alone: no notice is due, and TTL removes them. Default: now. */
  readonly now?: Date | undefined;
  /** After each Scan page, the counts so far. */
  readonly onProgress?: ((counts: ExpiryBackfillCounts) => void) | undefined;
}

export interface ExpiryBackfillCounts {
  /** Items the Scan read (every kind). */
  scanned: number;
  /** Live key items without `expiryDay`: not revoked, not rotated. */
  found: number;
  /** Given `expiryDay` (in a dry run: would be). */
  updated: number;
  /** Changed since the Scan read them (revoked, rotated, given `expiryDay` by a write of this release): left as they are. */
  changed: number;
  /** Already expired: left alone. */
  expired: number;
  /** With an `expiresAt` that is no epoch time: left alone. */
  unreadable: number;
}

/** Spaces out `take`s so that at most `perSecond` units go by per second, however many callers share it. */
class Pace {
  private next = 0;

  constructor(private readonly perSecond: number) {}

  async take(units: number): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + (units * 1000) / this.perSecond;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  /** Gives back what a `take` reserved and did not use (a Scan page shorter than its limit). */
  refund(units: number): void {
    this.next = Math.max(Date.now(), this.next - (units * 1000) / this.perSecond);
  }
}

/**
 * Key items written by a release before the expiry index lack its `expiryDay`, so the daily notice would never
 * see them. This gives each live one its day, once (README "Upgrading"):
 *
 * - Idempotent and resumable: the Scan's filter passes only key items (a `pk` without `#`, a `secretHash`) still
 *   lacking `expiryDay`, unrevoked and unrotated, so a second run writes nothing, and an interrupted run is
 *   resumed by running it again (it reads the table again, and writes only what is left).
 * - Race-free: each write holds only while the key is as the Scan read it (no `expiryDay`, not revoked, not
 *   rotated, the same `expiresAt`); a key changed in between is counted `changed` and left to the change.
 * - Bounded: parallel segments share one pace for reads and one for writes.
 */
export async function backfillExpiryIndex(options: ExpiryBackfillOptions): Promise<ExpiryBackfillCounts> {
  const segments = options.segments ?? 4;
  const pageSize = options.pageSize ?? 100;
  const perSecond = options.itemsPerSecond ?? 200;
  if (![segments, pageSize, perSecond].every((value) => Number.isSafeInteger(value) && value > 0)) {
    throw new RangeError('segments, pageSize and itemsPerSecond must be whole numbers above 0');
  }
  const reads = new Pace(perSecond);
  const writes = new Pace(perSecond);
  const nowSeconds = (options.now ?? new Date()).getTime() / 1000;
  const counts: ExpiryBackfillCounts = { scanned: 0, found: 0, updated: 0, changed: 0, expired: 0, unreadable: 0 };

  const backfillItem = async (item: Item): Promise<void> => {
    counts.found += 1;
    const { expiresAt } = item;
    if (!isEpochSeconds(expiresAt)) counts.unreadable += 1;
    else if (expiresAt <= nowSeconds) counts.expired += 1;
    else if (options.dryRun === true) counts.updated += 1;
    else {
      await writes.take(1);
      counts[(await setExpiryDay(options, item[TABLE.partitionKey] as string, expiresAt)) ? 'updated' : 'changed'] += 1;
    }
  };

  const scanSegment = async (segment: number): Promise<void> => {
    let startKey: Item | undefined;
    do {
      // A page may read up to its limit: reserved before, the unread rest given back after.
      await reads.take(pageSize);
      const page = await options.client.send(
        new ScanCommand({
          TableName: options.tableName,
          Segment: segment,
          TotalSegments: segments,
          Limit: pageSize,
          ExclusiveStartKey: startKey,
          // Read nothing but the key and its expiry: never a hash.
          ProjectionExpression: '#pk, expiresAt',
          FilterExpression:
            'attribute_exists(secretHash) AND NOT contains(#pk, :hash) AND attribute_not_exists(#day) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#day': TABLE.expiryIndex.partitionKey },
          ExpressionAttributeValues: { ':hash': '#' },
        }),
      );
      counts.scanned += page.ScannedCount ?? 0;
      reads.refund(pageSize - Math.min(pageSize, page.ScannedCount ?? pageSize));
      for (const item of page.Items ?? []) {
        if (typeof item[TABLE.partitionKey] === 'string') await backfillItem(item);
      }
      options.onProgress?.({ ...counts });
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  };

  await Promise.all(Array.from({ length: segments }, (_, segment) => scanSegment(segment)));
  return counts;
}

/** Sets the key's `expiryDay` if it is still as read; false when it changed in between. */
async function setExpiryDay(options: ExpiryBackfillOptions, keyId: string, seen: number): Promise<boolean> {
  try {
    await options.client.send(
      new UpdateCommand({
        TableName: options.tableName,
        Key: { [TABLE.partitionKey]: keyId },
        UpdateExpression: 'SET #day = :day',
        ConditionExpression:
          'attribute_not_exists(#day) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND expiresAt = :seen',
        ExpressionAttributeNames: { '#day': TABLE.expiryIndex.partitionKey },
        ExpressionAttributeValues: { ':day': expiryDay(seen), ':seen': seen },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
