import type { ConsoleConfig, CreatedKey, KeyEvent, KeyStatus, KeyView, Page, RotatedKey } from './types';

/**
 * A refusal or failure, in words. `status` is the HTTP status, or 0 when no answer came
 * (the API could not be reached). `code` is the API's error code (`KEY_NOT_FOUND`...),
 * `HTTP_<status>` when the answer had none (the gateway's own `{ message }`), or
 * `NETWORK_ERROR` / `TIMEOUT` / `NO_ACCESS_TOKEN` / `INVALID_ANSWER` for failures of ours.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From `Retry-After` (seconds or an HTTP date), on a 429 or 503 that sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** What the element's host provides: an access token for the API, fresh (or cached by its SDK) at each call. */
export type AccessTokenProvider = () => Promise<string>;

/** Abandon a request that has had no answer for this long. */
const TIMEOUT_MS = 30_000;

/** `Retry-After` in whole seconds from now: delay-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

const keyPath = (id: string) => `/keys/${encodeURIComponent(id)}`;

function query(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The config's shape checked, so a wrong one is an error in words rather than a broken view. */
function readConfig(value: unknown): ConsoleConfig {
  const keys = isRecord(value) ? value.keys : undefined;
  const auth0 = isRecord(value) ? value.auth0 : undefined;
  const numbers = ['maxLifetimeDays', 'defaultLifetimeDays', 'maxGraceSeconds', 'defaultGraceSeconds'] as const;
  const validAuth0 =
    auth0 === null ||
    (isRecord(auth0) && typeof auth0.domain === 'string' && typeof auth0.clientId === 'string' && typeof auth0.audience === 'string');
  if (
    !isRecord(value) ||
    !isRecord(keys) ||
    !isStringArray(keys.allowedScopes) ||
    !numbers.every((name) => typeof keys[name] === 'number' && Number.isFinite(keys[name])) ||
    !validAuth0 ||
    typeof value.workerPath !== 'string' ||
    typeof value.apiUrl !== 'string'
  ) {
    throw new ApiError(200, 'INVALID_ANSWER', 'The console configuration (/console/config.json) is not in the expected shape.');
  }
  return value as unknown as ConsoleConfig;
}

/** The key-management API, called as the signed-in user. */
export class KeysApiClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly getAccessToken: AccessTokenProvider | undefined,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.baseUrl = baseUrl.trim().replace(/\/+$/, '');
  }

  /** The key policy: public, fetched without a token. */
  async config(): Promise<ConsoleConfig> {
    return readConfig(await this.call('GET', '/console/config.json', { authenticated: false }));
  }

  async listKeys(options: { limit?: number; cursor?: string | undefined; statuses?: readonly KeyStatus[] } = {}): Promise<Page<KeyView>> {
    const path = `/keys${query({ limit: options.limit, cursor: options.cursor, status: options.statuses?.join(',') })}`;
    const answer = await this.call('GET', path);
    if (!isRecord(answer) || !Array.isArray(answer.keys)) throw invalidAnswer();
    return page(answer.keys as KeyView[], answer.nextCursor);
  }

  /** `idempotencyKey`: one per user action, the same when that action is retried, so a lost answer never makes a second key. */
  async createKey(body: { name: string; scopes: readonly string[]; expiresAt: string }, idempotencyKey: string): Promise<CreatedKey> {
    return created(await this.call('POST', '/keys', { body, idempotencyKey }));
  }

  async rotateKey(id: string, gracePeriodSeconds: number, idempotencyKey: string): Promise<RotatedKey> {
    const answer = created(await this.call('POST', `${keyPath(id)}/rotate`, { body: { gracePeriodSeconds }, idempotencyKey }));
    if (!isRecord((answer as Partial<RotatedKey>).replaced)) throw invalidAnswer();
    return answer as RotatedKey;
  }

  /** Rename, disable or enable; the key's new state. */
  async updateKey(id: string, change: { name?: string; enabled?: boolean }): Promise<KeyView> {
    const answer = await this.call('PATCH', keyPath(id), { body: change });
    if (!isRecord(answer) || typeof answer.id !== 'string') throw invalidAnswer();
    return answer as unknown as KeyView;
  }

  async revokeKey(id: string): Promise<void> {
    await this.call('DELETE', keyPath(id));
  }

  async listEvents(id: string, options: { limit?: number; cursor?: string | undefined } = {}): Promise<Page<KeyEvent>> {
    const answer = await this.call('GET', `${keyPath(id)}/events${query({ limit: options.limit, cursor: options.cursor })}`);
    if (!isRecord(answer) || !Array.isArray(answer.events)) throw invalidAnswer();
    return page(answer.events as KeyEvent[], answer.nextCursor);
  }

  private async token(): Promise<string> {
    if (this.getAccessToken === undefined) throw new ApiError(401, 'NO_ACCESS_TOKEN', 'No access token: the page has not signed in.');
    try {
      return await this.getAccessToken();
    } catch (error) {
      // auth0-spa-js says login_required, missing_refresh_token...: the session is gone either way.
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(401, 'NO_ACCESS_TOKEN', `Could not get an access token (${reason}).`);
    }
  }

  private async call(
    method: string,
    path: string,
    options: { body?: unknown; idempotencyKey?: string; authenticated?: boolean } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.authenticated !== false) headers.authorization = `Bearer ${await this.token()}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;

    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        // A bearer token, never cookies; the API never redirects, and following one would hand the token on.
        credentials: 'omit',
        redirect: 'error',
        cache: 'no-store',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') {
        throw new ApiError(
          0,
          'TIMEOUT',
          `The API did not answer within ${TIMEOUT_MS / 1000} seconds. Check your connection and try again.`,
        );
      }
      throw new ApiError(0, 'NETWORK_ERROR', 'The API could not be reached. Check your connection and try again.');
    }

    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed;

    const body = isRecord(parsed) ? parsed : {};
    const message =
      typeof body.message === 'string' && body.message.trim() !== '' ? body.message : `The API answered HTTP ${response.status}.`;
    const code = typeof body.code === 'string' ? body.code : `HTTP_${response.status}`;
    const retryAfter =
      response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    throw new ApiError(response.status, code, message, retryAfter);
  }
}

const invalidAnswer = () => new ApiError(200, 'INVALID_ANSWER', 'The API sent an answer this console does not understand.');

function created(answer: unknown): CreatedKey {
  if (!isRecord(answer) || typeof answer.key !== 'string' || typeof answer.id !== 'string') throw invalidAnswer();
  return answer as unknown as CreatedKey;
}

function page<T>(items: T[], nextCursor: unknown): Page<T> {
  return typeof nextCursor === 'string' && nextCursor !== '' ? { items, nextCursor } : { items };
}
