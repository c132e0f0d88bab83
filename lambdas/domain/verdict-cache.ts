import { hash } from 'node:crypto';
import { ExpiringCache } from './expiring-cache';
import type { Verdict } from './verdict';

export interface VerdictCacheOptions {
  readonly ttlSeconds: number;
  readonly maxEntries?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/**
 * The authorizer's in-instance verdict cache. Keyed by a SHA-256 of the
 * presented Authorization header, so no key sits in memory as a map key;
 * bounded (oldest out first); an entry lives for the TTL at most, and an
 * allow never past the key's own expiry.
 */
export class VerdictCache {
  private readonly entries: ExpiringCache<Verdict>;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private hitCount = 0;
  private missCount = 0;

  constructor(options: VerdictCacheOptions) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now ?? Date.now;
    this.entries = new ExpiringCache(options.maxEntries ?? 10_000, this.now);
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** One-shot `crypto.hash` (Node.js 20.12+): half the cost of createHash().update().digest() on the hot path. */
  static keyOf(header: string): string {
    return hash('sha256', header, 'base64');
  }

  /** Lookups answered from the cache, and not, since it was made (two counters, for the hit-rate metric). */
  get hits(): number {
    return this.hitCount;
  }

  get misses(): number {
    return this.missCount;
  }

  get(cacheKey: string): Verdict | undefined {
    const found = this.find(cacheKey);
    if (found === undefined) this.countMiss();
    return found;
  }

  /**
   * A lookup that counts a hit, and leaves the miss to `countMiss`: the
   * authorizer looks up a header before parsing it, and only a well-formed
   * credential's miss is one (garbage is never cached, so never a hit either).
   */
  find(cacheKey: string): Verdict | undefined {
    const found = this.entries.get(cacheKey);
    if (found !== undefined) this.hitCount += 1;
    return found;
  }

  countMiss(): void {
    this.missCount += 1;
  }

  /** `keyExpiresAtMs`: when the key itself expires, for an allow. */
  set(cacheKey: string, verdict: Verdict, keyExpiresAtMs?: number): void {
    if (!this.enabled) return;
    this.entries.set(cacheKey, verdict, Math.min(this.now() + this.ttlMs, keyExpiresAtMs ?? Number.POSITIVE_INFINITY));
  }
}
