import { hash } from 'node:crypto';
import { ExpiringCache } from '../lambdas/domain/expiring-cache';

/**
 * API Gateway's authorizer result cache: keyed by the identity source values,
 * kept for the configured TTL (0 turns it off). Keys are SHA-256 digests, so
 * no API key sits in memory as a map key. Bounded, oldest entries go first.
 */
export class AuthorizerCache<T> {
  private readonly entries: ExpiringCache<T>;

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    maxEntries = 10_000,
  ) {
    this.entries = new ExpiringCache(maxEntries, now);
  }

  private static keyOf(identity: readonly string[]): string {
    // One-shot (no Hash object per request): looked up on every request an authorizer protects.
    return hash('sha256', JSON.stringify(identity), 'base64');
  }

  get(identity: readonly string[]): T | undefined {
    return this.ttlSeconds === 0 ? undefined : this.entries.get(AuthorizerCache.keyOf(identity));
  }

  set(identity: readonly string[], value: T): void {
    if (this.ttlSeconds === 0) return;
    this.entries.set(AuthorizerCache.keyOf(identity), value, this.now() + this.ttlSeconds * 1000);
  }
}
