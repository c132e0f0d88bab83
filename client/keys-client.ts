import { randomUUID } from 'node:crypto';
import { checkedBaseUrl } from './base-url';
import { checkCredential, notTheApis, objectBody, realSleep, send, type FetchLike, type HttpAnswer, type Transport } from './http';
import type {
  AdminUserKeys,
  Auth0UserStatus,
  AuditEventView,
  CreateKeyInput,
  CreatedKey,
  KeyChange,
  KeyStatus,
  KeyView,
  RotatedKey,
} from './types';

export interface KeysClientOptions {
  /**
   * The API gateway's URL, e.g. `https://api.example.com`: https, or plain http to this machine only (localhost,
   * 127.0.0.0/8, [::1]); the constructor throws an ApiError (INSECURE_ENDPOINT) for anything else.
   */
  readonly endpoint: string;
  /** The key owner's Auth0 access token (from `deviceLogin()`), or a function that gives the current one. */
  readonly accessToken: string | (() => string | Promise<string>);
  readonly fetch?: FetchLike | undefined;
  /** Sent with every call, so a key's history says which changes came from your tool. */
  readonly userAgent?: string | undefined;
  /** Waits between retries (tests pass one that does not wait). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Reads a Retry-After given as a date. */
  readonly now?: (() => Date) | undefined;
  /** How long one attempt may take, in milliseconds; 30 s by default. */
  readonly timeoutMs?: number | undefined;
  /** Called when a create or rotate was answered with the answer of an earlier, lost attempt (`idempotent-replayed: true`). */
  readonly onReplay?: (() => void) | undefined;
}

/** Pages followed at most, in case a server keeps answering with a cursor. */
const MAX_PAGES = 1000;
/** The header with which the server says a create or rotate was answered from an earlier attempt. */
const REPLAYED_HEADER = 'idempotent-replayed';

export const DEFAULT_USER_AGENT = `user-api-keys-client (node ${process.version})`;

/**
 * The key-management API, called as the key owner. Every method either returns the API's own
 * answer type or throws an ApiError. Creates and rotates carry an Idempotency-Key (a fresh UUID
 * unless given) and are retried with it when their answer is lost (RETRY_POLICY): a lost answer
 * never makes a second key. Nothing else is retried. Redirects are refused, and so is an endpoint that would
 * carry the token in cleartext (INSECURE_ENDPOINT, from the constructor).
 */
export class KeysClient {
  private readonly endpoint: string;
  private readonly transport: Transport;
  private readonly userAgent: string;

  constructor(private readonly options: KeysClientOptions) {
    this.endpoint = checkedBaseUrl(options.endpoint, 'endpoint', 'the access token');
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.transport = {
      fetch: options.fetch ?? fetch,
      sleep: options.sleep ?? realSleep,
      now: options.now ?? (() => new Date()),
      timeoutMs: options.timeoutMs ?? 30_000,
    };
  }

  /** `POST /keys`: a new key; its `key` is shown this once. */
  async createKey(input: CreateKeyInput, options: { idempotencyKey?: string } = {}): Promise<CreatedKey> {
    const answer = await this.call('POST', '/keys', input, options.idempotencyKey ?? randomUUID());
    return objectBody<CreatedKey>(answer, ['id', 'key']);
  }

  /** `GET /keys`, every page: the owner's keys (only those in one of `status`, when given). */
  listKeys(options: { status?: readonly KeyStatus[] } = {}): Promise<KeyView[]> {
    return this.allPages<KeyView>('/keys', statusFilter(options.status), 'keys');
  }

  /** `GET /keys/{id}`. */
  async getKey(id: string): Promise<KeyView> {
    return objectBody<KeyView>(await this.call('GET', keyPath(id)), ['id', 'status']);
  }

  /** `PATCH /keys/{id}`: rename, disable or enable; the key's new state. */
  async updateKey(id: string, change: KeyChange): Promise<KeyView> {
    return objectBody<KeyView>(await this.call('PATCH', keyPath(id), change), ['id', 'status']);
  }

  renameKey(id: string, name: string): Promise<KeyView> {
    return this.updateKey(id, { name });
  }

  /** A disabled key is refused until enabled again. */
  disableKey(id: string): Promise<KeyView> {
    return this.updateKey(id, { enabled: false });
  }

  enableKey(id: string): Promise<KeyView> {
    return this.updateKey(id, { enabled: true });
  }

  /**
   * `POST /keys/{id}/rotate`: a new key with the old one's name, scopes and expiry. The old key keeps
   * working for `gracePeriodSeconds` (the server's default without it; 0 stops it at once).
   */
  async rotateKey(id: string, options: { gracePeriodSeconds?: number; idempotencyKey?: string } = {}): Promise<RotatedKey> {
    const body = options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {};
    const answer = await this.call('POST', `${keyPath(id)}/rotate`, body, options.idempotencyKey ?? randomUUID());
    return objectBody<RotatedKey>(answer, ['id', 'key', 'replaced']);
  }

  /** `DELETE /keys/{id}`: final; idempotent for the owner. */
  async revokeKey(id: string): Promise<void> {
    await this.call('DELETE', keyPath(id));
  }

  /** `GET /keys/{id}/events`, every page: the key's history, newest first. */
  listEvents(id: string): Promise<AuditEventView[]> {
    return this.allPages<AuditEventView>(`${keyPath(id)}/events`, '', 'events');
  }

  /** Support staff (a token with the server's ADMIN_SCOPE): every key of the user `sub`, paged as listKeys is. */
  async adminListKeys(sub: string, options: { status?: readonly KeyStatus[] } = {}): Promise<AdminUserKeys> {
    let auth0: Auth0UserStatus | undefined;
    const keys = await this.allPages<KeyView>(`${adminUserPath(sub)}/keys`, statusFilter(options.status), 'keys', (page, status) => {
      // Every page says it; the first one's is kept.
      auth0 ??= auth0StatusOf(page.auth0, status);
    });
    return { keys, ...(auth0 !== undefined ? { auth0 } : {}) };
  }

  /** Support staff: revoke every live key of the user `sub`; how many this call revoked. Not retried: a second call would count 0. */
  async adminRevokeAllKeys(sub: string): Promise<{ revoked: number }> {
    return objectBody<{ revoked: number }>(await this.call('POST', `${adminUserPath(sub)}/revoke-keys`, {}), ['revoked']);
  }

  /** Follows `nextCursor`, collecting each page's `field` list: a filtered page may be short, or empty, and still have a cursor. */
  private async allPages<T>(
    path: string,
    query: string,
    field: 'keys' | 'events',
    onPage?: (page: Record<string, unknown>, status: number) => void,
  ): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const url = `${path}?limit=100${query}${cursor !== undefined ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await this.call('GET', url);
      const body = objectBody<{ nextCursor?: unknown } & Record<typeof field, unknown>>(answer, [field]);
      const items = body[field];
      if (!Array.isArray(items) || (body.nextCursor !== undefined && typeof body.nextCursor !== 'string')) {
        throw notTheApis(answer.status);
      }
      onPage?.(body, answer.status);
      all.push(...(items as T[]));
      cursor = body.nextCursor;
      if (cursor === undefined) break;
    }
    return all;
  }

  /** One call; with an Idempotency-Key it is retried as RETRY_POLICY says. */
  private async call(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<HttpAnswer> {
    const token = typeof this.options.accessToken === 'function' ? await this.options.accessToken() : this.options.accessToken;
    // Before any request: fetch's own refusal of a bad header quotes it, token and all.
    checkCredential(typeof token === 'string' ? token : '', 'access token');
    const answer = await send(this.transport, {
      url: `${this.endpoint}${path}`,
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'user-agent': this.userAgent,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      retry: idempotencyKey !== undefined,
      target: this.endpoint,
    });
    if (idempotencyKey !== undefined && answer.headers.get(REPLAYED_HEADER)?.trim().toLowerCase() === 'true') this.options.onReplay?.();
    return answer;
  }
}

const statusFilter = (statuses?: readonly KeyStatus[]) =>
  statuses !== undefined && statuses.length > 0 ? `&status=${encodeURIComponent(statuses.join(','))}` : '';

const keyPath = (id: string) => `/keys/${encodeURIComponent(id)}`;

/** Auth0 user ids hold `|` (auth0|abc), and may hold anything else: one path segment, encoded. */
const adminUserPath = (sub: string) => `/admin/users/${encodeURIComponent(sub)}`;

/** The admin page's `auth0`: absent from an older server; any other shape is not the API's. */
function auth0StatusOf(value: unknown, status: number): Auth0UserStatus | undefined {
  if (value === undefined) return undefined;
  const { blocked, deletedAt } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof blocked !== 'boolean' || (deletedAt !== undefined && typeof deletedAt !== 'string')) {
    throw notTheApis(status);
  }
  return { blocked, ...(deletedAt !== undefined ? { deletedAt } : {}) };
}
