import { createHash } from 'node:crypto';

/**
 * API Gateway's authorizer result cache: keyed by the identity source values,
 * kept for the configured TTL (0 turns it off). Keys are SHA-256 digests, so
 * no API key sits in memory as a map key. Bounded, oldest entries go first.
 */
export class AuthorizerCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAtMs: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  private static keyOf(identity: readonly string[]): string {
    return createHash('sha256').update(JSON.stringify(identity)).digest('base64');
  }

  get(identity: readonly string[]): T | undefined {
    if (this.ttlSeconds === 0) return undefined;
    const key = AuthorizerCache.keyOf(identity);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(identity: readonly string[], value: T): void {
    if (this.ttlSeconds === 0) return;
    const key = AuthorizerCache.keyOf(identity);
    this.entries.delete(key); // re-inserted below as the newest
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAtMs: this.now() + this.ttlSeconds * 1000 });
  }
}
