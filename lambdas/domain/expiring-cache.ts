import { makeRoom } from './make-room';

/**
 * A bounded map whose entries expire: the oldest entries go when it is full (lambdas/domain/make-room.ts),
 * an expired one when it is read. Shared by the authorizer's verdict cache
 * and the local gateway's emulation of API Gateway's cache.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, expiresAtMs: number): void {
    if (expiresAtMs <= this.now()) return;
    this.entries.delete(key); // re-inserted below as the newest
    makeRoom(this.entries, this.maxEntries);
    this.entries.set(key, { value, expiresAtMs });
  }
}
