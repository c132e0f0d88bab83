import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyStatus, KeyView } from '../../lambdas/domain/api-key';
import type { AuditEventView } from '../../lambdas/domain/audit-event';
import type { ConsoleAssets } from '../../lambdas/console/console-assets';
import { STRICT_CSP } from '../support/browser';

/**
 * One 127.0.0.1 server for the component's browser tests: the built console files under
 * /console/, a harness page that loads /console/user-api-keys.js (served with the strict CSP),
 * and an in-memory key-management API in the README's shapes, which tests seed, make fail,
 * hold back, and read the requests of.
 */

export const VALID_TOKEN = 'test-access-token';
const OWNER = 'auth0|alice';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

interface Fault {
  readonly method: string | undefined;
  readonly path: RegExp;
  readonly answer: { status: number; body?: unknown; headers?: Record<string, string> } | 'drop';
  remaining: number;
}

interface Hold {
  readonly method: string | undefined;
  readonly path: RegExp;
  readonly released: Promise<void>;
}

type MutableKey = { -readonly [K in keyof KeyView]: KeyView[K] };

export const POLICY = {
  allowedScopes: ['read', 'write', 'orders:read'],
  maxLifetimeDays: 365,
  defaultLifetimeDays: 90,
  maxGraceSeconds: 604_800,
  defaultGraceSeconds: 3600,
};

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (length: number) => [...randomBytes(length)].map((byte) => BASE62[byte % 62]).join('');

const HARNESS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>user-api-keys harness</title>
    <link rel="icon" href="data:," />
    <script type="module" src="/harness.js"></script>
  </head>
  <body>
    <main>
      <h1>Harness</h1>
      <user-api-keys page-size="3"></user-api-keys>
    </main>
  </body>
</html>
`;

/** The host page's side: the token, counting calls and the unauthorized events the element sends. */
const HARNESS_JS = `import { UserApiKeys } from '/console/user-api-keys.js';
const params = new URLSearchParams(location.search);
const element = document.querySelector('user-api-keys');
window.harness = { tokenCalls: 0, unauthorized: 0, UserApiKeys };
document.addEventListener('user-api-keys-unauthorized', () => { window.harness.unauthorized += 1; });
if (params.has('api-url')) element.setAttribute('api-url', params.get('api-url'));
element.getAccessToken = async () => {
  window.harness.tokenCalls += 1;
  return params.get('token') ?? '${VALID_TOKEN}';
};
`;

export class FakeKeysApi {
  keys: MutableKey[] = [];
  readonly events = new Map<string, AuditEventView[]>();
  readonly requests: RecordedRequest[] = [];
  config: Record<string, unknown> = {};
  /** The Content-Security-Policy every answer carries (the harness's strict one, or the console page's, which names the IdP). */
  csp = STRICT_CSP;
  private faults: Fault[] = [];
  private holds: Hold[] = [];
  private readonly idempotency = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  private clock = Date.parse('2026-03-01T12:00:00Z');

  constructor(private readonly assets: ConsoleAssets) {
    this.reset('');
  }

  reset(origin: string): void {
    this.keys = [];
    this.events.clear();
    this.requests.length = 0;
    this.faults = [];
    this.holds = [];
    this.idempotency.clear();
    this.csp = STRICT_CSP;
    this.config = { keys: POLICY, auth0: null, workerPath: this.assets.workerPath, apiUrl: origin };
  }

  /** A key as the server would list it, newest first (the first seeded is the oldest). */
  seed(overrides: Partial<MutableKey> & { name: string }): MutableKey {
    this.clock += 60_000;
    const createdAt = new Date(this.clock).toISOString();
    const key: MutableKey = {
      id: base62(22),
      scopes: ['read'],
      createdAt,
      expiresAt: new Date(this.clock + 90 * 86_400_000).toISOString(),
      status: 'active',
      enabled: true,
      ...overrides,
    };
    this.keys.unshift(key);
    this.record(key.id, 'create', {});
    return key;
  }

  /** The next `times` requests matching get `answer` instead ('drop': the connection is closed without an answer). */
  fail(method: string | undefined, path: RegExp, answer: Fault['answer'], times = 1): void {
    this.faults.push({ method, path, answer, remaining: times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Requests matching wait until the returned function is called. */
  hold(method: string | undefined, path: RegExp): () => void {
    let release: (() => void) | undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entry = { method, path, released };
    this.holds.push(entry);
    return () => {
      this.holds = this.holds.filter((hold) => hold !== entry);
      release?.();
    };
  }

  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && path.test(request.path));
  }

  private record(keyId: string, type: AuditEventView['type'], details: Record<string, string>): void {
    const event: AuditEventView = {
      type,
      actor: OWNER,
      at: new Date(this.clock).toISOString(),
      sourceIp: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (harness)',
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
    this.events.set(keyId, [event, ...(this.events.get(keyId) ?? [])]);
  }

  async handle(request: IncomingMessage, response: ServerResponse, origin: string): Promise<void> {
    const url = new URL(request.url ?? '/', origin);
    const method = request.method ?? 'GET';
    const text = await readBody(request);

    if (method === 'GET' && url.pathname === '/harness.html') {
      send(response, 200, HARNESS_HTML, 'text/html; charset=utf-8', this.csp);
      return;
    }
    if (method === 'GET' && url.pathname === '/harness.js') {
      send(response, 200, HARNESS_JS, 'text/javascript; charset=utf-8', this.csp);
      return;
    }
    if (method === 'GET' && url.pathname === '/console') {
      send(response, 200, this.assets.indexHtml, 'text/html; charset=utf-8', this.csp);
      return;
    }
    const asset = url.pathname.startsWith('/console/') ? this.assets.files.get(url.pathname.slice('/console/'.length)) : undefined;
    if (method === 'GET' && asset !== undefined) {
      send(response, 200, asset.body, asset.contentType, this.csp);
      return;
    }

    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      json(response, 400, { code: 'INVALID_JSON', message: 'The body is not valid JSON.' });
      return;
    }
    this.requests.push({ method, path: `${url.pathname}${url.search}`, headers: request.headers, body });

    const matches = (entry: { method: string | undefined; path: RegExp }) =>
      (entry.method === undefined || entry.method === method) && entry.path.test(url.pathname);
    for (const hold of this.holds.filter(matches)) await hold.released;
    const fault = this.faults.find((candidate) => candidate.remaining > 0 && matches(candidate));
    if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.answer === 'drop') {
        request.socket.destroy();
        return;
      }
      json(response, fault.answer.status, fault.answer.body, fault.answer.headers);
      return;
    }

    if (method === 'GET' && url.pathname === '/console/config.json') {
      json(response, 200, this.config);
      return;
    }
    if (!url.pathname.startsWith('/keys')) {
      json(response, 404, { message: 'Not Found' });
      return;
    }
    if (request.headers.authorization !== `Bearer ${VALID_TOKEN}`) {
      json(response, 401, { code: 'INVALID_TOKEN', message: 'The access token is invalid or expired.' }, { 'www-authenticate': 'Bearer' });
      return;
    }
    const answer = this.route(method, url, body, request.headers['idempotency-key']);
    json(response, answer.status, answer.body, answer.headers);
  }

  private route(
    method: string,
    url: URL,
    body: any,
    idempotencyKey: string | string[] | undefined,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const [, , id, sub] = url.pathname.split('/').map(decodeURIComponent);
    const key = id !== undefined ? this.keys.find((candidate) => candidate.id === id) : undefined;
    const notFound = { status: 404, body: { code: 'KEY_NOT_FOUND', message: 'No such key.' } };

    const idempotent = (make: () => { status: number; body: unknown }) => {
      if (typeof idempotencyKey !== 'string') return make();
      const fingerprint = `${method} ${url.pathname} ${JSON.stringify(body)}`;
      const earlier = this.idempotency.get(idempotencyKey);
      if (earlier !== undefined) {
        if (earlier.fingerprint !== fingerprint) {
          return { status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'The Idempotency-Key was used for another request.' } };
        }
        return { status: earlier.status, body: earlier.body, headers: { 'idempotent-replayed': 'true' } };
      }
      const made = make();
      if (made.status < 300) this.idempotency.set(idempotencyKey, { fingerprint, ...made });
      return made;
    };

    if (id === undefined && method === 'GET') {
      const statuses = (url.searchParams.get('status') ?? '').split(',').filter((status) => status !== '') as KeyStatus[];
      const limit = Number(url.searchParams.get('limit') ?? '50');
      const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? '', 'base64url').toString() || '0');
      const listed = this.keys.filter((candidate) => statuses.length === 0 || statuses.includes(candidate.status));
      const keys = listed.slice(offset, offset + limit);
      const next = offset + limit < listed.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
      return { status: 200, body: { keys, ...(next !== undefined ? { nextCursor: next } : {}) } };
    }
    if (id === undefined && method === 'POST') {
      return idempotent(() => {
        const made = this.seed({ name: body.name, scopes: body.scopes ?? [], ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}) });
        const secret = `uak_${made.id}_${base62(49)}`;
        return {
          status: 201,
          body: { id: made.id, key: secret, name: made.name, scopes: made.scopes, createdAt: made.createdAt, expiresAt: made.expiresAt },
        };
      });
    }
    if (key === undefined) return notFound;
    if (sub === 'events' && method === 'GET') {
      const all = this.events.get(key.id) ?? [];
      const limit = Number(url.searchParams.get('limit') ?? '50');
      const offset = Number(url.searchParams.get('cursor') ?? '0');
      const next = offset + limit < all.length ? String(offset + limit) : undefined;
      return { status: 200, body: { events: all.slice(offset, offset + limit), ...(next !== undefined ? { nextCursor: next } : {}) } };
    }
    if (sub === 'rotate' && method === 'POST') {
      if (key.status === 'revoked') return { status: 409, body: { code: 'KEY_REVOKED', message: 'The key is revoked.' } };
      if (key.replacedBy !== undefined) return { status: 409, body: { code: 'KEY_ALREADY_ROTATED', message: 'Rotate its replacement.' } };
      return idempotent(() => {
        const grace = typeof body?.gracePeriodSeconds === 'number' ? body.gracePeriodSeconds : 3600;
        const made = this.seed({ name: key.name, scopes: key.scopes, expiresAt: key.expiresAt, rotatedFrom: key.id });
        key.replacedBy = made.id;
        key.rotatedAt = made.createdAt;
        const graceEnds = new Date(this.clock + grace * 1000).toISOString();
        this.record(key.id, 'rotate', { replacedBy: made.id, graceEndsAt: graceEnds });
        const secret = `uak_${made.id}_${base62(49)}`;
        return {
          status: 201,
          body: { ...pick(made), key: secret, rotatedFrom: key.id, replaced: { id: key.id, expiresAt: graceEnds } },
        };
      });
    }
    if (sub !== undefined) return { status: 404, body: { message: 'Not Found' } };
    if (method === 'GET') return { status: 200, body: key };
    if (method === 'PATCH') {
      if (key.status === 'revoked')
        return { status: 409, body: { code: 'KEY_REVOKED', message: 'The key is revoked, and revocation is final.' } };
      if (typeof body?.name === 'string' && body.name !== key.name) {
        this.record(key.id, 'rename', { from: key.name, to: body.name });
        key.name = body.name;
      }
      if (typeof body?.enabled === 'boolean' && body.enabled !== key.enabled) {
        key.enabled = body.enabled;
        key.status = body.enabled ? 'active' : 'disabled';
        if (body.enabled) delete key.disabledAt;
        else key.disabledAt = new Date(this.clock).toISOString();
        this.record(key.id, body.enabled ? 'enable' : 'disable', {});
      }
      return { status: 200, body: key };
    }
    if (method === 'DELETE') {
      if (key.status !== 'revoked') {
        key.status = 'revoked';
        key.revokedAt = new Date(this.clock).toISOString();
        this.record(key.id, 'revoke', {});
      }
      return { status: 204 };
    }
    return { status: 404, body: { message: 'Not Found' } };
  }
}

const pick = (key: MutableKey) => ({ id: key.id, name: key.name, scopes: key.scopes, createdAt: key.createdAt, expiresAt: key.expiresAt });

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  csp: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(body);
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    response.writeHead(status, { 'cache-control': 'no-store', ...headers });
    response.end();
    return;
  }
  send(response, status, JSON.stringify(body), 'application/json', STRICT_CSP, headers);
}

export interface HarnessServer {
  readonly origin: string;
  readonly api: FakeKeysApi;
  close(): Promise<void>;
}

export async function startHarnessServer(assets: ConsoleAssets): Promise<HarnessServer> {
  const api = new FakeKeysApi(assets);
  let origin = '';
  const server: Server = createServer((request, response) => {
    api.handle(request, response, origin).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'INTERNAL_ERROR', message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.reset(origin);
  return {
    origin,
    api,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
