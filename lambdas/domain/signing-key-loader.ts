import { activeKey, signingKeys, type SigningKey, type SigningKeySet } from './signing-keys';
import { DEFAULT_MAX_AGE_MS, DEFAULT_REFRESH_AFTER_MS } from './signing-key-timing';

export interface SigningKeyLoaderOptions {
  /** Reads the current key set (Secrets Manager in Lambda); rejects on any fault. */
  readonly load: () => Promise<SigningKeySet>;
  /** A warm instance reloads in the background once its keys are this old, so a rotation reaches it. */
  readonly refreshAfterMs?: number | undefined;
  /** Keys not reloaded for this long are no longer used: the instance waits for a reload (and fails closed). */
  readonly maxAgeMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  /** Told of a background reload that failed (the keys in hand stay in use until maxAgeMs). */
  readonly onRefreshError?: ((error: unknown) => void) | undefined;
}

// Defined beside the key set's pruning rule, which depends on them (signing-keys.ts, RETIRED_KEY_KEPT_MS).
export { DEFAULT_MAX_AGE_MS, DEFAULT_REFRESH_AFTER_MS };

/**
 * The signing keys of one process, loaded once (at cold start) and reused:
 * signing adds no network call to a verification. A failed load is not
 * remembered: the next request tries again, and until one succeeds every
 * `key()` rejects, so the authorizer throws (a 500) and never allows without
 * an assertion. At most hourly a warm instance reloads off the hot path:
 * the request that notices keeps the keys in hand, still published (a
 * rotation keeps a replaced key in the set until no instance can be signing
 * with it: RETIRED_KEY_KEPT_MS in signing-keys.ts).
 */
export class SigningKeyLoader {
  private loaded: { readonly keys: readonly SigningKey[]; readonly atMs: number } | undefined;
  private inFlight: Promise<readonly SigningKey[]> | undefined;
  private readonly refreshAfterMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SigningKeyLoaderOptions) {
    this.refreshAfterMs = options.refreshAfterMs ?? DEFAULT_REFRESH_AFTER_MS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Starts the first load (at cold start, in the init phase); a failure is retried by the next key(). */
  prime(): void {
    this.reload().catch(() => undefined);
  }

  /** The key to sign with now. */
  async key(): Promise<SigningKey> {
    const nowMs = this.now();
    const loaded = this.loaded;
    if (loaded !== undefined && nowMs - loaded.atMs < this.maxAgeMs) {
      if (nowMs - loaded.atMs >= this.refreshAfterMs && this.inFlight === undefined) {
        this.reload().catch((error: unknown) => this.options.onRefreshError?.(error));
      }
      return activeKey(loaded.keys, nowMs);
    }
    return activeKey(await this.reload(), this.now());
  }

  /** One load at a time: concurrent callers share it, and it is forgotten once settled. */
  private reload(): Promise<readonly SigningKey[]> {
    this.inFlight ??= this.options
      .load()
      .then((set) => {
        const keys = signingKeys(set);
        this.loaded = { keys, atMs: this.now() };
        return keys;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
