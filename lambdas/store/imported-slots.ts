import { isStormpathKeyId } from '../domain/key-ids';

/**
 * How imported keys count toward an owner's limit (MAX_KEYS_PER_USER)
 * without a map entry each: an export can give one owner thousands of keys,
 * and the owner item, like any item, holds at most 400 KB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).
 *
 * The owner item keeps, beside `activeKeys` (one entry per native key):
 * - `importedKeys`: expiry (epoch second, rounded up to the hour, as text) →
 *   how many keys that count among the imported ones expire then: one entry
 *   per import run and per hour in which a rotation's grace period ends;
 * - `importedTotal`: the sum of those counts, which a create's condition can
 *   compare (a condition cannot add up a map).
 *
 * An import adds to both in the transaction that puts its keys; revoking an
 * imported key takes one off, and rotating one moves it to the count of its
 * grace period's end (an imported key counts, in the count of its current
 * `expiresAt`, until then), in the transaction that changes it; a count whose
 * expiry has passed is pruned with the expired slots. The native key a
 * rotation makes takes a slot in `activeKeys` however many the owner holds:
 * a rotation replaces a key, it adds none.
 */

export const IMPORTED_COUNTS = 'importedKeys';
export const IMPORTED_TOTAL = 'importedTotal';

/** Counts are kept per hour: a rotation's grace end would otherwise add one per second rotated in. */
export const IMPORTED_BUCKET_SECONDS = 3600;

/**
 * The count a key is in: its current expiry (an import's, or after a
 * rotation its grace period's end), rounded up to the hour, so it stops
 * counting at most an hour late, never early, and revoke and rotation find it
 * by the same rule.
 */
export const importedBucket = (expiresAt: number): string =>
  String(Math.ceil(expiresAt / IMPORTED_BUCKET_SECONDS) * IMPORTED_BUCKET_SECONDS);

/**
 * Whether a key counts among the imported ones rather than in `activeKeys`:
 * an imported key, and every native key descended from one by rotation
 * (`countsAsImported` on the item; a rotation turns one counted key into two
 * for the grace period, as for native keys, without an entry each: an owner
 * may convert thousands, and rotate them again).
 */
export const countsAsImported = (key: { readonly keyId: string; readonly countsAsImported?: boolean | undefined }): boolean =>
  isStormpathKeyId(key.keyId) || key.countsAsImported === true;

/** How each count changes (+1, -1...), by expiry. */
export type ImportedDeltas = Readonly<Record<string, number>>;

/** Adds `delta` to `deltas[bucket]`. */
export function withDelta(deltas: ImportedDeltas, bucket: string, delta: number): ImportedDeltas {
  return { ...deltas, [bucket]: (deltas[bucket] ?? 0) + delta };
}

/**
 * Update-expression SET parts applying `deltas` to the counts and their sum
 * to the total (a count or total not there yet starts at zero); none when
 * nothing changes. `tag` keeps the placeholders of two uses apart.
 */
export function importedDeltaParts(
  deltas: ImportedDeltas,
  tag = 'imp',
): {
  readonly set: readonly string[];
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, number>>;
} {
  const changed = Object.entries(deltas).filter(([, delta]) => delta !== 0);
  const total = changed.reduce((sum, [, delta]) => sum + delta, 0);
  if (changed.length === 0) return { set: [], names: {}, values: {} };
  return {
    set: [
      ...changed.map(
        ([, _], i) => `${IMPORTED_COUNTS}.#${tag}${i} = if_not_exists(${IMPORTED_COUNTS}.#${tag}${i}, :${tag}Zero) + :${tag}${i}`,
      ),
      ...(total !== 0 ? [`${IMPORTED_TOTAL} = if_not_exists(${IMPORTED_TOTAL}, :${tag}Zero) + :${tag}Total`] : []),
    ],
    names: Object.fromEntries(changed.map(([bucket], i) => [`#${tag}${i}`, bucket])),
    values: {
      [`:${tag}Zero`]: 0,
      ...Object.fromEntries(changed.map(([, delta], i) => [`:${tag}${i}`, delta])),
      ...(total !== 0 ? { [`:${tag}Total`]: total } : {}),
    },
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
