import type { TokenKey, TokenKeySource } from './access-token';
import { activeKey, signingKeys, type ActiveKey, type SigningKey, type SigningKeySet } from './signing-keys';
import { DEFAULT_MAX_AGE_MS, DEFAULT_REFRESH_AFTER_MS } from './signing-key-timing';

export interface KeySetLoaderOptions<S, K extends ActiveKey> {
  /** Reads the current key set (Secrets Manager in Lambda); rejects on any fault. */
  readonly load: () => Promise<S>;
  /** The set's keys, ready to use (imported once per load). */
  readonly toKeys: (set: S) => readonly K[];
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

/** An unknown kid reloads the set at most this often. */
export const UNKNOWN_KID_RELOAD_MS = 60_000;

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
export class KeySetLoader<S, K extends ActiveKey> {
  private loaded: { readonly keys: readonly K[]; readonly atMs: number } | undefined;
  private lookupReloadAtMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<readonly K[]> | undefined;
  private readonly refreshAfterMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: KeySetLoaderOptions<S, K>) {
    this.refreshAfterMs = options.refreshAfterMs ?? DEFAULT_REFRESH_AFTER_MS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Starts the first load (at cold start, in the init phase); a failure is retried by the next key(). */
  prime(): void {
    this.reload().catch(() => undefined);
  }

  /** The key to sign with now. */
  async key(): Promise<K> {
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

  /**
   * The key an access token names (access-token.ts). A kid the set in hand
   * lacks may be a key made since it was loaded: the set is reloaded for it,
   * but at most once a minute (a flood of made-up kids is not a flood of reads).
   */
  async keyByKid(kid: string): Promise<K | undefined> {
    const nowMs = this.now();
    const loaded = this.loaded;
    if (loaded !== undefined && nowMs - loaded.atMs < this.maxAgeMs) {
      const found = loaded.keys.find((key) => key.kid === kid);
      if (found !== undefined) return found;
      // A reload under way (another request's) may bring the key: wait for it rather than refuse; should it fail,
      // the keys in hand are still good, so the kid is merely unknown (a refusal, not a fault).
      if (this.inFlight !== undefined) return (await this.inFlight.catch(() => loaded.keys)).find((key) => key.kid === kid);
      if (nowMs - Math.max(loaded.atMs, this.lookupReloadAtMs) < UNKNOWN_KID_RELOAD_MS) return undefined;
    }
    this.lookupReloadAtMs = nowMs;
    if (loaded === undefined || nowMs - loaded.atMs >= this.maxAgeMs) return (await this.reload()).find((key) => key.kid === kid);
    // The keys in hand are still good: a reload that fails leaves the kid unknown (a refusal), not a fault, so
    // made-up kids cannot turn a Secrets Manager hiccup into errors.
    try {
      return (await this.reload()).find((key) => key.kid === kid);
    } catch {
      return undefined;
    }
  }

  /** One load at a time: concurrent callers share it, and it is forgotten once settled. */
  private reload(): Promise<readonly K[]> {
    this.inFlight ??= this.options
      .load()
      .then((set) => {
        const keys = this.options.toKeys(set);
        this.loaded = { keys, atMs: this.now() };
        return keys;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

/** The signing keys (the authorizer's): ES256 keys, with the access tokens' MAC keys derived from them. */
export class SigningKeyLoader extends KeySetLoader<SigningKeySet, SigningKey> {
  constructor(options: Omit<KeySetLoaderOptions<SigningKeySet, SigningKey>, 'toKeys'>) {
    super({ ...options, toKeys: signingKeys });
  }
}

/** A loader's keys as the access tokens' key source: mint with the active one, check with the one a token names. */
export function tokenKeySource<K extends ActiveKey & TokenKey>(loader: Pick<KeySetLoader<never, K>, 'key' | 'keyByKid'>): TokenKeySource {
  return { current: () => loader.key(), byKid: (kid) => loader.keyByKid(kid) };
}
