import { createHash } from 'node:crypto';
import type { Verdict } from './verdict';

export interface VerdictCacheOptions {
  readonly ttlSeconds: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * The authorizer's in-instance verdict cache. Keyed by a SHA-256 of the
 * presented Authorization header, so no key sits in memory as a map key;
 * bounded (oldest out first); an entry lives for the TTL at most, and an
 * allow never past the key's own expiry.
 */
export class VerdictCache {
  private readonly entries = new Map<string, { verdict: Verdict; expiresAtMs: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: VerdictCacheOptions) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  static keyOf(header: string): string {
    return createHash('sha256').update(header).digest('base64');
  }

  get(cacheKey: string): Verdict | undefined {
    const entry = this.entries.get(cacheKey);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(cacheKey);
      return undefined;
    }
    return entry.verdict;
  }

  /** `keyExpiresAtMs`: when the key itself expires, for an allow. */
  set(cacheKey: string, verdict: Verdict, keyExpiresAtMs?: number): void {
    if (!this.enabled) return;
    const now = this.now();
    const expiresAtMs = Math.min(now + this.ttlMs, keyExpiresAtMs ?? Number.POSITIVE_INFINITY);
    if (expiresAtMs <= now) return;
    this.entries.delete(cacheKey);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(cacheKey, { verdict, expiresAtMs });
  }
}
