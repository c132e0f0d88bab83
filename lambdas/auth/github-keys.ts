import { createPublicKey, type KeyObject } from 'node:crypto';
import { DependencyUnavailableError } from '../domain/errors';
import { GITHUB_SECRET_SCANNING_KEYS_URL } from '../settings/sections/events';

/**
 * GitHub's public keys for secret scanning alerts, from the document
 * `{ public_keys: [{ key_identifier, key (PEM), is_current }] }` at
 * https://api.github.com/meta/public_keys/secret_scanning, as the partner
 * program describes it ("Implement signature verification"):
 * https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program
 *
 * Loaded once and kept for the process's life. Every fetch attempt, success
 * or failure, starts a cool-down, counted from when the attempt settles:
 *
 * - after a success, no refetch for `refetchIntervalMs` (default a minute);
 * - after a failure while no keys were ever loaded, no new fetch for 10 s
 *   (or `refetchIntervalMs` if shorter), so a transient cold-start failure
 *   does not block alerts for a whole minute; meanwhile every call fails fast
 *   with the same DependencyUnavailableError (503 GITHUB_KEYS_UNAVAILABLE)
 *   without fetching;
 * - after a failed refetch while keys are cached, the cached keys stay (a
 *   known identifier keeps verifying) and the `refetchIntervalMs` cool-down
 *   applies.
 *
 * So a flood of made-up identifiers costs at most one fetch a minute once
 * loaded, and one per 10 s while GitHub is down at a cold start. An
 * identifier already cached is answered from the cache at once, never
 * waiting on a refetch in flight. Concurrent callers that do need a fetch
 * share one. A successful refetch replaces the keys, so one GitHub withdrew
 * stops verifying. The docs warn the endpoint is rate limited and suggest
 * conditional requests: a refetch sends the last ETag, and a 304 keeps the
 * keys in hand.
 */
export interface GitHubKeySource {
  /** The P-256 public key GitHub names `keyIdentifier`; undefined when GitHub publishes none by that name. */
  keyFor(keyIdentifier: string): Promise<KeyObject | undefined>;
}

export interface GitHubKeysOptions {
  /** Default GITHUB_SECRET_SCANNING_KEYS_URL; `http:` only to a loopback address (tests, `npm start`). */
  readonly url?: string | undefined;
  readonly fetch?: typeof fetch | undefined;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: (() => number) | undefined;
  /** One fetch, body included, may take this long (default 3000). */
  readonly timeoutMs?: number | undefined;
  /**
   * After a fetch while keys are cached, or a successful one: no new fetch for
   * this many milliseconds (default 60 000). After a failed fetch with nothing
   * cached the cool-down is 10 000 ms, or this if shorter.
   */
  readonly refetchIntervalMs?: number | undefined;
}

/** GitHub's REST API refuses a request without a User-Agent (https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent). */
export const GITHUB_KEYS_USER_AGENT = 'user-api-keys-secret-scanning';
/** The document holds a few keys; anything much larger is not it. */
const MAX_DOCUMENT_CHARS = 64 * 1024;
const MAX_KEY_IDENTIFIER_LENGTH = 256;
/** The cool-down after a failed fetch while nothing is cached (capped by refetchIntervalMs). */
const COLD_RETRY_MS = 10_000;

type KeyMap = ReadonlyMap<string, KeyObject>;

export class GitHubKeys implements GitHubKeySource {
  private readonly url: URL;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly refetchIntervalMs: number;
  private keys: KeyMap | undefined;
  private etag: string | undefined;
  /** When the last fetch attempt settled (success or failure): the cool-down counts from here. */
  private lastAttemptAtMs: number | undefined;
  private lastError: unknown;
  private inFlight: Promise<KeyMap> | undefined;

  constructor(options: GitHubKeysOptions = {}) {
    this.url = checkedKeysUrl(options.url ?? GITHUB_SECRET_SCANNING_KEYS_URL);
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.refetchIntervalMs = options.refetchIntervalMs ?? 60_000;
  }

  /**
   * Starts the first fetch now (a cold start's init phase), unless keys are
   * loaded, a fetch is in flight, or a failed one is cooling down; a failure
   * is left to the first use after its cool-down to retry.
   */
  prime(): void {
    if (this.keys !== undefined || !this.mayFetch()) return;
    this.load().catch(() => undefined);
  }

  async keyFor(keyIdentifier: string): Promise<KeyObject | undefined> {
    const cached = this.keys?.get(keyIdentifier);
    // A known identifier never waits on a refetch in flight.
    if (cached !== undefined) return cached;
    // One in flight: share it (a key GitHub just added verifies for every caller).
    if (this.inFlight !== undefined) return (await this.inFlight).get(keyIdentifier);
    if (!this.mayFetch()) {
      if (this.keys !== undefined) return undefined;
      throw unavailable('the last attempt failed moments ago', this.lastError);
    }
    return (await this.load()).get(keyIdentifier);
  }

  /** No fetch yet, or the cool-down since the last attempt is over: 10 s after a failure with nothing cached, else refetchIntervalMs. */
  private mayFetch(): boolean {
    if (this.inFlight !== undefined) return false;
    if (this.lastAttemptAtMs === undefined) return true;
    const coolDownMs = this.keys === undefined ? Math.min(COLD_RETRY_MS, this.refetchIntervalMs) : this.refetchIntervalMs;
    return this.now() - this.lastAttemptAtMs >= coolDownMs;
  }

  /** One fetch at a time: concurrent callers share it. Its end, success or failure, starts the cool-down. */
  private load(): Promise<KeyMap> {
    this.inFlight ??= this.fetchKeys().then(
      (keys) => {
        this.settle(undefined);
        return keys;
      },
      (error: unknown) => {
        this.settle(error);
        throw error;
      },
    );
    return this.inFlight;
  }

  private settle(error: unknown): void {
    this.lastAttemptAtMs = this.now();
    this.lastError = error;
    this.inFlight = undefined;
  }

  private async fetchKeys(): Promise<KeyMap> {
    let response: Response;
    try {
      response = await this.fetchFn(this.url, {
        headers: {
          accept: 'application/json',
          'user-agent': GITHUB_KEYS_USER_AGENT,
          ...(this.etag !== undefined && this.keys !== undefined ? { 'if-none-match': this.etag } : {}),
        },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw unavailable('request failed', error);
    }
    if (response.status === 304 && this.keys !== undefined) return this.keys;
    if (response.status !== 200) throw unavailable(`status ${response.status}`);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw unavailable('body unreadable', error);
    }
    if (text.length > MAX_DOCUMENT_CHARS) throw unavailable('document too large');
    const keys = parseKeysDocument(text);
    if (typeof keys === 'string') throw unavailable(keys);
    this.keys = keys;
    const etag = response.headers.get('etag');
    this.etag = etag ?? undefined;
    return keys;
  }
}

function unavailable(why: string, cause?: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError(
    `GitHub's public keys could not be fetched (${why}); try again shortly`,
    'GITHUB_KEYS_UNAVAILABLE',
    {
      cause,
    },
  );
}

/** The settings check the URL too; this holds for any caller (tests, tools): https, or http to this machine only. */
export function checkedKeysUrl(text: string): URL {
  const url = new URL(text);
  const loopback = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname) || url.hostname === '[::1]';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url;
  throw new Error(`GitHub's keys URL must be https:// (http:// only to 127.0.0.1 or [::1]): ${url.origin}`);
}

/**
 * The keys by identifier, or what is wrong with the document. An entry whose
 * key is not an EC P-256 public key (the docs name ECDSA-NIST-P256V1-SHA256)
 * is left out: one key of another kind should not stop the others verifying.
 * A document with no usable key at all is a fault.
 */
export function parseKeysDocument(text: string): KeyMap | string {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const entries = (document as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(entries)) return 'no public_keys array';
  const keys = new Map<string, KeyObject>();
  for (const entry of entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return 'an entry is not an object';
    const { key_identifier: id, key: pem } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_KEY_IDENTIFIER_LENGTH || typeof pem !== 'string') {
      return 'an entry lacks key_identifier or key';
    }
    const key = p256PublicKey(pem);
    if (key !== undefined) keys.set(id, key);
  }
  return keys.size > 0 ? keys : 'no EC P-256 key';
}

function p256PublicKey(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}
