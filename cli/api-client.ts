import type { KeyView } from '../lambdas/domain/api-key';
import type { CreatedKey } from '../lambdas/domain/key-service';
import { CliError, EXIT, type ExitCode } from './errors';

// The API's own response types: the CLI and the server cannot disagree on them.
export type { CreatedKey, KeyView };

function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
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

  /** Every key, following the pages (bounded, in case a server keeps answering with a cursor). */
  async list(): Promise<KeyView[]> {
    const keys: KeyView[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page += 1) {
      const query = `?limit=100${cursor !== undefined ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await this.call<{ keys: KeyView[]; nextCursor?: string }>('GET', `/keys${query}`);
      keys.push(...answer.keys);
      cursor = answer.nextCursor;
      if (cursor === undefined) break;
    }
    return keys;
  }

  show(id: string): Promise<KeyView> {
    return this.call<KeyView>('GET', `/keys/${encodeURIComponent(id)}`);
  }

  async revoke(id: string): Promise<void> {
    await this.call('DELETE', `/keys/${encodeURIComponent(id)}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.endpoint}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
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
