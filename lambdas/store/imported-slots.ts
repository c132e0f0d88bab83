/**
 * How imported keys count toward an owner's limit (MAX_KEYS_PER_USER)
 * without a map entry each: an export can give one owner thousands of keys,
 * and the owner item, like any item, holds at most 400 KB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).
 *
 * The owner item keeps, beside `activeKeys` (one entry per native key):
 * - `importedKeys`: expiry (epoch second, as text) → how many imported keys
 *   with that expiry still count (unrevoked, unrotated): one entry per
 *   import run's expiry, so a handful at most;
 * - `importedTotal`: the sum of those counts, which a create's condition can
 *   compare (a condition cannot add up a map).
 *
 * An import adds to both in the transaction that puts its keys; revoking or
 * rotating an imported key takes one off in the transaction that changes
 * it; a count whose expiry has passed is pruned with the expired slots.
 */

export const IMPORTED_COUNTS = 'importedKeys';
export const IMPORTED_TOTAL = 'importedTotal';

/** The count an imported key is in: its import's expiry. */
export const importedBucket = (expiresAt: number): string => String(expiresAt);

/** Update-expression parts that stop one imported key counting (a missing count stays at zero: never below). */
export function releaseImportedParts(bucket: string): {
  readonly set: readonly string[];
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, number>>;
} {
  return {
    set: [
      `${IMPORTED_COUNTS}.#importedBucket = if_not_exists(${IMPORTED_COUNTS}.#importedBucket, :importedOne) - :importedOne`,
      `${IMPORTED_TOTAL} = if_not_exists(${IMPORTED_TOTAL}, :importedOne) - :importedOne`,
    ],
    names: { '#importedBucket': bucket },
    values: { ':importedOne': 1 },
  };
}

export interface ImportedCounts {
  /** Imported keys that still count at `now`. */
  readonly unexpired: number;
  /** What the item's `importedTotal` says (expired counts not yet pruned included). */
  readonly total: number;
  /** Counts whose expiry has passed: pruned with the expired slots. */
  readonly expired: readonly (readonly [bucket: string, count: number])[];
}

/** Reads the imported counts of an owner item (missing or mistyped entries count as nothing). */
export function importedCounts(item: Record<string, unknown> | undefined, nowSeconds: number): ImportedCounts {
  const counts = (item?.[IMPORTED_COUNTS] ?? {}) as Record<string, unknown>;
  const totalValue = item?.[IMPORTED_TOTAL];
  const total = typeof totalValue === 'number' ? totalValue : 0;
  let unexpired = 0;
  const expired: (readonly [string, number])[] = [];
  for (const [bucket, value] of Object.entries(counts)) {
    const count = typeof value === 'number' && value > 0 ? value : 0;
    if (Number(bucket) > nowSeconds) unexpired += count;
    else expired.push([bucket, typeof value === 'number' ? value : 0]);
  }
  return { unexpired, total, expired };
}
