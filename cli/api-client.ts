import { randomUUID } from 'node:crypto';
import type { KeyStatus, KeyView } from '../lambdas/domain/api-key';
import type { AuditEventView } from '../lambdas/domain/audit-event';
import type { CreatedKey, RotatedKey } from '../lambdas/domain/key-service';
import { CliError, EXIT, withRetryAfter, type ExitCode } from './errors';

// The API's own response types: the CLI and the server cannot disagree on them.
export type { AuditEventView, CreatedKey, KeyStatus, KeyView, RotatedKey };

/** Sent with every call, so a key's history says which changes came from this command. */
export const CLI_USER_AGENT = `apikey-cli (node ${process.version})`;

/** Pages followed at most, in case a server keeps answering with a cursor. */
const MAX_PAGES = 1000;

/** Where a page of a listing carries its items. */
type PageField = 'keys' | 'events';

/**
 * How a create or rotate is retried when its answer is lost: after a network failure (no HTTP
 * answer, or an answer cut off) or a 502/503/504, the same request again with the same
 * Idempotency-Key, so the server makes the key at most once and answers a retry of one it
 * made with that first answer.
 */
export const RETRY_POLICY = {
  /** Retries after the first attempt. */
  retries: 2,
  /** The wait before each retry, without a Retry-After. */
  backoffMs: [500, 1500],
  /** A Retry-After up to this is waited for; a longer one is reported, not waited for. */
  maxRetryAfterSeconds: 5,
  statuses: [502, 503, 504],
} as const;

/** Told of the support-staff routes' 403: the token lacks the server's ADMIN_SCOPE. */
export const ADMIN_FORBIDDEN_HINT = 'admin commands need a token with the ADMIN_SCOPE permission; log in as a support user';

/** The header with which the server says a create or rotate was answered from an earlier attempt. */
const REPLAYED_HEADER = 'idempotent-replayed';

function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 429 || status >= 500) return EXIT.server;
  return EXIT.usage;
}

/** `Retry-After` in whole seconds from now: delay-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP date starts with the day's name (Date.parse alone would read "-5" or "1.5" as dates).
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

export interface KeysApiOptions {
  readonly fetch?: typeof fetch | undefined;
  /** Waits between retries (tests pass one that does not wait). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly now?: (() => Date) | undefined;
  /** Called when a create or rotate was answered with the answer of an earlier attempt (`idempotent-replayed: true`). */
  readonly onReplay?: (() => void) | undefined;
}

/** What one attempt came to: an HTTP answer read to its end, or none. */
type Attempt =
  | { readonly answered: true; readonly status: number; readonly headers: Headers; readonly text: string }
  | { readonly answered: false; readonly error: CliError; readonly retryable: boolean };

interface CallOptions {
  /** Sent as Idempotency-Key; a call with one is retried as RETRY_POLICY says. */
  readonly idempotencyKey?: string;
  /** Added to a 403's message. */
  readonly forbiddenHint?: string;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The key-management API, called with the user's access token. */
export class KeysApi {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;

  constructor(
    private readonly endpoint: string,
    private readonly accessToken: string,
    private readonly options: KeysApiOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? (() => new Date());
  }

  /** One Idempotency-Key per call, kept across its retries: a lost answer never makes a second key. */
  create(body: { name: string; scopes?: string[]; expiresAt?: string }, idempotencyKey: string = randomUUID()): Promise<CreatedKey> {
    return this.call<CreatedKey>('POST', '/keys', body, { idempotencyKey });
  }

  /**
   * Every key (only those in one of `statuses`, when given), following the
   * pages: a filtered page may be short, or empty, and still have a cursor.
   */
  list(statuses?: readonly KeyStatus[]): Promise<KeyView[]> {
    return this.allPages<KeyView>('/keys', statusFilter(statuses), 'keys');
  }

  show(id: string): Promise<KeyView> {
    return this.call<KeyView>('GET', keyPath(id));
  }

  async revoke(id: string): Promise<void> {
    await this.call('DELETE', keyPath(id));
  }

  /**
   * A new key with the old one's name, scopes and expiry; without `gracePeriodSeconds`, the server's default grace period.
   * Retried with one Idempotency-Key, as create is.
   */
  rotate(id: string, gracePeriodSeconds?: number, idempotencyKey: string = randomUUID()): Promise<RotatedKey> {
    return this.call<RotatedKey>('POST', `${keyPath(id)}/rotate`, gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}, {
      idempotencyKey,
    });
  }

  /** Rename, disable or enable; the key's new state. */
  update(id: string, change: { name?: string; enabled?: boolean }): Promise<KeyView> {
    return this.call<KeyView>('PATCH', keyPath(id), change);
  }

  /** The key's whole history, newest first. */
  events(id: string): Promise<AuditEventView[]> {
    return this.allPages<AuditEventView>(`${keyPath(id)}/events`, '', 'events');
  }

  /** Support staff: every key of the user `sub` (only those in one of `statuses`, when given), paged as list is. */
  adminList(sub: string, statuses?: readonly KeyStatus[]): Promise<KeyView[]> {
    return this.allPages<KeyView>(`${adminUserPath(sub)}/keys`, statusFilter(statuses), 'keys', { forbiddenHint: ADMIN_FORBIDDEN_HINT });
  }

  /** Support staff: revoke every key of the user `sub`; how many it revoked. Not retried: a second call would count 0. */
  adminRevokeAll(sub: string): Promise<{ revoked: number }> {
    return this.call<{ revoked: number }>('POST', `${adminUserPath(sub)}/revoke-keys`, {}, { forbiddenHint: ADMIN_FORBIDDEN_HINT });
  }

  /** Follows `nextCursor`, collecting each page's `field` list. */
  private async allPages<T>(path: string, query: string, field: PageField, options: CallOptions = {}): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await this.call<{ nextCursor?: string } & Record<PageField, T[]>>(
        'GET',
        `${path}?limit=100${query}${cursor !== undefined ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        undefined,
        options,
      );
      all.push(...answer[field]);
      cursor = answer.nextCursor;
      if (cursor === undefined) break;
    }
    return all;
  }

  private async call<T>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
    const retries = options.idempotencyKey !== undefined ? RETRY_POLICY.retries : 0;
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.attempt(method, path, body, options.idempotencyKey);
      const wait = attempt < retries ? this.retryDelay(outcome, attempt) : undefined;
      if (wait === undefined) return this.settle(outcome, options) as T;
      await this.sleep(wait);
    }
  }

  /** How long to wait before retrying after `outcome`, or undefined for no retry. */
  private retryDelay(outcome: Attempt, attempt: number): number | undefined {
    const backoff = RETRY_POLICY.backoffMs[attempt] ?? RETRY_POLICY.backoffMs[RETRY_POLICY.backoffMs.length - 1];
    if (!outcome.answered) return outcome.retryable ? backoff : undefined;
    if (!(RETRY_POLICY.statuses as readonly number[]).includes(outcome.status)) return undefined;
    const after = retryAfterSeconds(outcome.headers.get('retry-after'), this.now());
    if (after === undefined) return backoff;
    return after <= RETRY_POLICY.maxRetryAfterSeconds ? after * 1000 : undefined;
  }

  /** One request, its answer read to the end; a failure to get either is no answer. */
  private async attempt(method: string, path: string, body: unknown, idempotencyKey: string | undefined): Promise<Attempt> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.endpoint}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          'user-agent': CLI_USER_AGENT,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // The API never redirects; following one would hand the token to wherever it points.
        redirect: 'error',
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = causeOf(error);
      // A refused redirect is an answer, not a lost one: asking again would get the same.
      return { answered: false, error: this.networkError('Cannot reach', cause), retryable: cause !== 'unexpected redirect' };
    }
    try {
      return { answered: true, status: response.status, headers: response.headers, text: await response.text() };
    } catch (error) {
      // The answer was cut off: as lost as no answer at all.
      return { answered: false, error: this.networkError('Lost the answer from', causeOf(error)), retryable: true };
    }
  }

  private networkError(what: string, cause: string): CliError {
    return new CliError(`${what} ${this.endpoint}: ${cause}`, EXIT.server, 'NETWORK_ERROR');
  }

  /** The parsed answer, or the CliError for a refusal or a lost answer. */
  private settle(outcome: Attempt, options: CallOptions): unknown {
    if (!outcome.answered) {
      // Every attempt's answer lost: the server may have made the change all the same, and running the command again would not know.
      if (options.idempotencyKey === undefined) throw outcome.error;
      const { message, exitCode, code } = outcome.error;
      throw new CliError(`${message} (it may have been done all the same: check apikey list before trying again)`, exitCode, code);
    }
    const { status, headers, text } = outcome;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (status < 200 || status > 299) {
      const { code, message } = (parsed ?? {}) as { code?: unknown; message?: unknown };
      const reason = typeof message === 'string' ? message : `HTTP ${status}`;
      const hint =
        status === 401 ? ' (run apikey login)' : status === 403 && options.forbiddenHint !== undefined ? ` (${options.forbiddenHint})` : '';
      // 429 (and a 503 not retried) say when to try again.
      const after = status === 429 || status === 503 ? retryAfterSeconds(headers.get('retry-after'), this.now()) : undefined;
      throw new CliError(
        `${withRetryAfter(reason, after)}${hint}`,
        exitCodeFor(status),
        typeof code === 'string' ? code : `HTTP_${status}`,
        after,
      );
    }
    if (options.idempotencyKey !== undefined && headers.get(REPLAYED_HEADER)?.trim().toLowerCase() === 'true') this.options.onReplay?.();
    return parsed;
  }
}

/** What fetch said went wrong: the socket's error code, or the message. */
function causeOf(error: unknown): string {
  const { cause: reason, message } = error as Error & { cause?: { code?: string; message?: string } };
  return reason?.code ?? reason?.message ?? message;
}

const statusFilter = (statuses?: readonly KeyStatus[]) =>
  statuses !== undefined && statuses.length > 0 ? `&status=${encodeURIComponent(statuses.join(','))}` : '';

const keyPath = (id: string) => `/keys/${encodeURIComponent(id)}`;

/** Auth0 user ids hold `|` (auth0|abc), and may hold anything else: one path segment, encoded. */
const adminUserPath = (sub: string) => `/admin/users/${encodeURIComponent(sub)}`;
