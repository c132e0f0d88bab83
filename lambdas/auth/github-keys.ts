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
 * Loaded once and kept for the process's life. An identifier it does not
 * hold makes it fetch the document again, once, and never more than once per
 * `refetchIntervalMs`: a flood of made-up identifiers costs at most one fetch
 * a minute. A refetch replaces the keys, so one GitHub withdrew stops
 * verifying. The docs warn the endpoint is rate limited and suggest
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
  /** At most one refetch per this many milliseconds (default 60 000). */
  readonly refetchIntervalMs?: number | undefined;
}

/** GitHub's REST API refuses a request without a User-Agent (https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent). */
export const GITHUB_KEYS_USER_AGENT = 'user-api-keys-secret-scanning';
/** The document holds a few keys; anything much larger is not it. */
const MAX_DOCUMENT_CHARS = 64 * 1024;
const MAX_KEY_IDENTIFIER_LENGTH = 256;

type KeyMap = ReadonlyMap<string, KeyObject>;

export class GitHubKeys implements GitHubKeySource {
  private readonly url: URL;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly refetchIntervalMs: number;
  private keys: KeyMap | undefined;
  private etag: string | undefined;
  private lastFetchAtMs: number | undefined;
  private inFlight: Promise<KeyMap> | undefined;

  constructor(options: GitHubKeysOptions = {}) {
    this.url = checkedKeysUrl(options.url ?? GITHUB_SECRET_SCANNING_KEYS_URL);
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.refetchIntervalMs = options.refetchIntervalMs ?? 60_000;
  }

  /** Starts the first fetch now (a cold start's init phase); a failure is left to the first use to retry. */
  prime(): void {
    this.load().catch(() => undefined);
  }

  async keyFor(keyIdentifier: string): Promise<KeyObject | undefined> {
    const keys = this.inFlight !== undefined ? await this.inFlight : (this.keys ?? (await this.load()));
    const key = keys.get(keyIdentifier);
    if (key !== undefined || !this.mayRefetch()) return key;
    return (await this.load()).get(keyIdentifier);
  }

  private mayRefetch(): boolean {
    return this.lastFetchAtMs === undefined || this.now() - this.lastFetchAtMs >= this.refetchIntervalMs;
  }

  /** One fetch at a time: concurrent callers share it. */
  private load(): Promise<KeyMap> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<KeyMap> {
    // Counted from the start, failures too: a flood of unknown identifiers while GitHub is down is still one fetch a minute.
    this.lastFetchAtMs = this.now();
    const fault = (why: string, cause?: unknown) =>
      new DependencyUnavailableError(`GitHub's public keys could not be fetched (${why}); try again shortly`, 'GITHUB_KEYS_UNAVAILABLE', {
        cause,
      });
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
      throw fault('request failed', error);
    }
    if (response.status === 304 && this.keys !== undefined) return this.keys;
    if (response.status !== 200) throw fault(`status ${response.status}`);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw fault('body unreadable', error);
    }
    if (text.length > MAX_DOCUMENT_CHARS) throw fault('document too large');
    const keys = parseKeysDocument(text);
    if (typeof keys === 'string') throw fault(keys);
    this.keys = keys;
    const etag = response.headers.get('etag');
    this.etag = etag ?? undefined;
    return keys;
  }
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
