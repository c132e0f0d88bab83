/**
 * The deployed bundles' `mnemonist/lru-cache` (an esbuild alias, lib/bundling.ts), which the SDK uses only for the
 * cache of DynamoDB's endpoint discovery (`@aws-sdk/endpoint-cache`): the five methods that cache calls, on a Map,
 * with mnemonist's semantics (get and set make a key the most recent, peek and has do not, a set beyond the
 * capacity evicts the least recent key), for ~0.3 KB rather than mnemonist's and obliterator's ~7 KB.
 */
export default class LRUCache<K, V> {
  // A Map iterates in insertion order: the first key is the least recently used.
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
