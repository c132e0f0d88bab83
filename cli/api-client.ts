import type { KeyStatus, KeyView } from '../lambdas/domain/api-key';
import type { AuditEventView } from '../lambdas/domain/audit-event';
import type { CreatedKey, RotatedKey } from '../lambdas/domain/key-service';
import { CliError, EXIT, type ExitCode } from './errors';

// The API's own response types: the CLI and the server cannot disagree on them.
export type { AuditEventView, CreatedKey, KeyStatus, KeyView, RotatedKey };

/** Sent with every call, so a key's history says which changes came from this command. */
export const CLI_USER_AGENT = `apikey-cli (node ${process.version})`;

/** Pages followed at most, in case a server keeps answering with a cursor. */
const MAX_PAGES = 1000;

/** Where a page of a listing carries its items. */
type PageField = 'keys' | 'events';

function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status >= 500) return EXIT.server;
  return EXIT.usage;
}

/** The key-management API, called with the user's access token. */
export class KeysApi {
  constructor(
    private readonly endpoint: string,
    private readonly accessToken: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  create(body: { name: string; scopes?: string[]; expiresAt?: string }): Promise<CreatedKey> {
    return this.call<CreatedKey>('POST', '/keys', body);
  }

  /**
   * Every key (only those in one of `statuses`, when given), following the
   * pages: a filtered page may be short, or empty, and still have a cursor.
   */
  list(statuses?: readonly KeyStatus[]): Promise<KeyView[]> {
    const filter = statuses !== undefined && statuses.length > 0 ? `&status=${encodeURIComponent(statuses.join(','))}` : '';
    return this.allPages<KeyView>('/keys', filter, 'keys');
  }

  show(id: string): Promise<KeyView> {
    return this.call<KeyView>('GET', keyPath(id));
  }

  async revoke(id: string): Promise<void> {
    await this.call('DELETE', keyPath(id));
  }

  /** A new key with the old one's name, scopes and expiry; without `gracePeriodSeconds`, the server's default grace period. */
  rotate(id: string, gracePeriodSeconds?: number): Promise<RotatedKey> {
    return this.call<RotatedKey>('POST', `${keyPath(id)}/rotate`, gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {});
  }

  /** Rename, disable or enable; the key's new state. */
  update(id: string, change: { name?: string; enabled?: boolean }): Promise<KeyView> {
    return this.call<KeyView>('PATCH', keyPath(id), change);
  }

  /** The key's whole history, newest first. */
  events(id: string): Promise<AuditEventView[]> {
    return this.allPages<AuditEventView>(`${keyPath(id)}/events`, '', 'events');
  }

  /** Follows `nextCursor`, collecting each page's `field` list. */
  private async allPages<T>(path: string, query: string, field: PageField): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await this.call<{ nextCursor?: string } & Record<PageField, T[]>>(
        'GET',
        `${path}?limit=100${query}${cursor !== undefined ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      all.push(...answer[field]);
      cursor = answer.nextCursor;
      if (cursor === undefined) break;
    }
    return all;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.endpoint}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          'user-agent': CLI_USER_AGENT,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // The API never redirects; following one would hand the token to wherever it points.
        redirect: 'error',
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const { cause: reason, message } = error as Error & { cause?: { code?: string; message?: string } };
      const cause = reason?.code ?? reason?.message ?? message;
      throw new CliError(`Cannot reach ${this.endpoint}: ${cause}`, EXIT.server, 'NETWORK_ERROR');
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const { code, message } = (parsed ?? {}) as { code?: unknown; message?: unknown };
      const reason = typeof message === 'string' ? message : `HTTP ${response.status}`;
      const hint = response.status === 401 ? ' (run apikey login)' : '';
      throw new CliError(`${reason}${hint}`, exitCodeFor(response.status), typeof code === 'string' ? code : `HTTP_${response.status}`);
    }
    return parsed as T;
  }
}

const keyPath = (id: string) => `/keys/${encodeURIComponent(id)}`;
