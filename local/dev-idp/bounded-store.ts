/** An entry that stops being valid at `expiresAt` (milliseconds since the epoch). */
export interface Expiring {
  readonly expiresAt: number;
}

/**
 * An in-memory map that never holds more than `maxEntries`, for the
 * development provider's codes, sessions, pending logins and refresh-token
 * families. Anyone who can reach the port can create entries (a GET of
 * `/authorize` makes a pending login), so a flood must not exhaust memory.
 * When full, expired entries go first, then the oldest: a flood evicts the
 * oldest (their owner signs in again) rather than answering 429, which would
 * lock out every real login until the flood's entries expired. Times are
 * passed in, so the owner's injected clock drives expiry.
 */
export class BoundedStore<V extends Expiring> {
  /** Insertion-ordered: the first entry is the oldest. */
  private readonly entries = new Map<string, V>();

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stores `value` under `key` (a new key is the newest entry), making room first. */
  set(key: string, value: V, at: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.dropExpired(at);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  /** The unexpired entry under `key`; an expired one is dropped. */
  get(key: string, at: number): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (at >= value.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private dropExpired(at: number): void {
    for (const [key, value] of this.entries) if (at >= value.expiresAt) this.entries.delete(key);
  }
}
