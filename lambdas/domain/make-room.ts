/** The share of a full map's bound dropped at once: 1/16, so a full map does one pass every ~6% of its size. */
const EVICTION_SHARE = 16;

/**
 * Makes room for one more entry in an insertion-ordered map held to `maxEntries`: when it is full, drops its
 * oldest entries, a sixteenth of the bound at once (at least one). Evicting one at a time costs a scan per insert:
 * V8's Map keeps deleted entries as holes until it rehashes, and `keys().next()` walks every hole left at the
 * front, ~6 µs at 10,000 entries; any caller who sends distinct garbage keys pays that on every request. In
 * batches, the walk is shared by the batch: ~0.2 µs an insert (measured on this machine).
 */
export function makeRoom<K>(map: Map<K, unknown>, maxEntries: number): void {
  if (map.size < maxEntries) return;
  let toDrop = Math.max(1, Math.ceil(maxEntries / EVICTION_SHARE), map.size - maxEntries + 1);
  for (const key of map.keys()) {
    map.delete(key);
    toDrop -= 1;
    if (toDrop === 0) break;
  }
}
