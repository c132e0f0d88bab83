import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { ROUTES, type FunctionName } from '../../../lambdas/api-definition';
import { AuthorizerCache } from '../../../local/authorizer-cache';
import {
  createGateway,
  INTEGRATION_TIMEOUT_MS,
  type FunctionResult,
  type LocalLambdaContext,
  type LocalRoute,
} from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { createAuthorizerHandler } from '../../../lambdas/handlers/authorizer';
import { MANAGEMENT_FUNCTION_TIMEOUT_SECONDS } from '../../../lambdas/runtime/clients';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';

const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const T0 = Date.parse('2026-06-01T12:00:00Z');

type HandlerMock = jest.Mock<Promise<FunctionResult>, [APIGatewayProxyEventV2]>;
type AuthorizerMock = jest.Mock<Promise<unknown>, [APIGatewayRequestAuthorizerEventV2]>;

const ALLOW = { isAuthorized: true, context: { sub: 'auth0|alice', keyId: 'k1', scopes: ['orders:read'] } };
const DENY = { isAuthorized: false, context: {} };

interface TestGateway {
  readonly url: string;
  readonly handlers: Record<FunctionName, HandlerMock>;
  /** The function behind GET /orders/{orderId}, an extra apiKey route with a path parameter. */
  readonly orders: HandlerMock;
  readonly authorizer: AuthorizerMock;
  /** Moves the gateway's clock (milliseconds). */
  advance(ms: number): void;
}

const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => closeServer(server)));
});

/** A gateway on 127.0.0.1 with the real route table, fake functions and a fake authorizer. */
async function startGateway(options: { ttlSeconds?: number } = {}): Promise<TestGateway> {
  let now = T0;
  const handlers = Object.fromEntries(
    ROUTES.map((route) => [
      route.function,
      jest.fn(() =>
        Promise.resolve({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: `{"function":"${route.function}"}` }),
      ),
    ]),
  ) as unknown as Record<FunctionName, HandlerMock>;
  const orders: HandlerMock = jest.fn((_event: APIGatewayProxyEventV2) => Promise.resolve({ statusCode: 200, body: '{}' }));
  const routes: LocalRoute[] = [
    ...ROUTES.map((route) => ({ ...route, handler: handlers[route.function] })),
    { method: 'GET', path: '/orders/{orderId}', auth: 'apiKey', function: 'whoami', handler: orders },
  ];
  const authorizer: AuthorizerMock = jest.fn((_event: APIGatewayRequestAuthorizerEventV2) => Promise.resolve(ALLOW));
  const server = createGateway({
    routes,
    authorizer,
    authorizerCacheTtlSeconds: options.ttlSeconds ?? 0,
    now: () => now,
  });
  const port = await listenOnLoopback(server, 0);
  servers.push(server);
  return {
    url: `http://127.0.0.1:${port}`,
    handlers,
    orders,
    authorizer,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** The one event the mock was called with. */
function onlyCall<T>(mock: jest.Mock<unknown, [T]>): T {
  expect(mock).toHaveBeenCalledTimes(1);
  const [event] = mock.mock.calls[0] ?? [];
  if (event === undefined) throw new Error('no event');
  return event;
}

async function expectGatewayError(response: Response, status: number, message: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.json()).toEqual({ message });
}

describe('local gateway: routing', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  beforeEach(() => {
    jest.clearAllMocks();
  });

  it.each([
    ['an unknown path', 'GET', '/nope'],
    ['a known path with another method', 'PUT', '/keys'],
    ['a trailing segment', 'GET', '/keys/abc/extra'],
    ['an empty path parameter', 'GET', '/keys/'],
  ])('answers 404 {"message":"Not Found"} for %s, calling nothing', async (_label, method, path) => {
    await expectGatewayError(await fetch(`${gateway.url}${path}`, { method }), 404, 'Not Found');
    for (const handler of Object.values(gateway.handlers)) expect(handler).not.toHaveBeenCalled();
    expect(gateway.authorizer).not.toHaveBeenCalled();
  });

  it('calls the function of a public route and passes its answer through', async () => {
    gateway.handlers.health.mockResolvedValueOnce({
      statusCode: 201,
      headers: { 'X-Custom': 'yes', 'content-type': 'text/plain' },
      body: 'created',
    });
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.get('apigw-requestid')).toEqual(expect.any(String));
    expect(await response.text()).toBe('created');
    expect(gateway.authorizer).not.toHaveBeenCalled();
  });

  it('decodes a base64 function answer', async () => {
    gateway.handlers.health.mockResolvedValueOnce({
      statusCode: 200,
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      isBase64Encoded: true,
    });
    const response = await fetch(`${gateway.url}/health`);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answers 500 {"message":"Internal Server Error"} when the function throws', async () => {
    gateway.handlers.health.mockRejectedValueOnce(new Error('crash'));
    await expectGatewayError(await fetch(`${gateway.url}/health`), 500, 'Internal Server Error');
  });

  it('gives an accessToken route the request without calling the authorizer', async () => {
    await fetch(`${gateway.url}/keys`, { headers: { authorization: 'Bearer token' } });
    expect(gateway.handlers.listKeys).toHaveBeenCalledTimes(1);
    expect(gateway.authorizer).not.toHaveBeenCalled();
  });

  it('passes the route key and decoded path parameters of a templated route', async () => {
    await fetch(`${gateway.url}/keys/abc%20def`, { method: 'DELETE', headers: { authorization: 'Bearer t' } });
    const event = onlyCall(gateway.handlers.revokeKey);
    expect(event.routeKey).toBe('DELETE /keys/{id}');
    expect(event.requestContext.routeKey).toBe('DELETE /keys/{id}');
    expect(event.rawPath).toBe('/keys/abc%20def');
    expect(event.pathParameters).toEqual({ id: 'abc def' });
    expect(event.requestContext.http).toMatchObject({ method: 'DELETE', path: '/keys/abc%20def', sourceIp: '127.0.0.1' });
    expect(event.version).toBe('2.0');
  });

  it('lower-cases header names and joins repeated query parameters with commas', async () => {
    await fetch(`${gateway.url}/keys/k1?b=2&a=1&a=3`, { headers: { 'X-Request-Tag': 'Mixed-Case Value' } });
    const event = onlyCall(gateway.handlers.getKey);
    expect(event.headers['x-request-tag']).toBe('Mixed-Case Value');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.rawQueryString).toBe('b=2&a=1&a=3');
    expect(event.queryStringParameters).toEqual({ a: '1,3', b: '2' });
  });

  it('leaves queryStringParameters out when there is no query', async () => {
    await fetch(`${gateway.url}/keys/k1`);
    const event = onlyCall(gateway.handlers.getKey);
    expect(event.rawQueryString).toBe('');
    expect(event.queryStringParameters).toBeUndefined();
  });

  it('passes a JSON body as text', async () => {
    const body = JSON.stringify({ name: 'café ☕' });
    await fetch(`${gateway.url}/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const event = onlyCall(gateway.handlers.createKey);
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes a binary body base64-encoded', async () => {
    const bytes = Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]);
    await fetch(`${gateway.url}/keys`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    const event = onlyCall(gateway.handlers.createKey);
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  it('passes no body for a request without one', async () => {
    await fetch(`${gateway.url}/keys`);
    const event = onlyCall(gateway.handlers.listKeys);
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it(`passes a body of exactly ${GATEWAY_MAX_BODY_BYTES} bytes`, async () => {
    const body = Buffer.alloc(GATEWAY_MAX_BODY_BYTES, 'a');
    const response = await fetch(`${gateway.url}/keys`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(response.status).toBe(200);
    expect(onlyCall(gateway.handlers.createKey).body).toHaveLength(GATEWAY_MAX_BODY_BYTES);
  });

  it(`answers 413 for a body over ${GATEWAY_MAX_BODY_BYTES} bytes, calling nothing`, async () => {
    const body = Buffer.alloc(GATEWAY_MAX_BODY_BYTES + 1, 'a');
    const response = await fetch(`${gateway.url}/keys`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    await expectGatewayError(response, 413, 'Request Entity Too Large');
    expect(gateway.handlers.createKey).not.toHaveBeenCalled();
  });
});

describe('local gateway: the Lambda authorizer on apiKey routes', () => {
  let gateway: TestGateway;

  beforeEach(async () => {
    gateway = await startGateway({ ttlSeconds: 0 });
  });

  it('answers 401 {"message":"Unauthorized"} without an Authorization header, not calling the authorizer', async () => {
    await expectGatewayError(await fetch(`${gateway.url}/whoami`), 401, 'Unauthorized');
    expect(gateway.authorizer).not.toHaveBeenCalled();
    expect(gateway.handlers.whoami).not.toHaveBeenCalled();
  });

  it('answers 401 for an empty Authorization header, not calling the authorizer', async () => {
    await expectGatewayError(await fetch(`${gateway.url}/whoami`, { headers: { authorization: '' } }), 401, 'Unauthorized');
    expect(gateway.authorizer).not.toHaveBeenCalled();
  });

  it('answers 403 {"message":"Forbidden"} when the authorizer denies, not calling the function', async () => {
    gateway.authorizer.mockResolvedValueOnce(DENY);
    await expectGatewayError(await fetch(`${gateway.url}/whoami`, { headers: { authorization: 'Bearer k' } }), 403, 'Forbidden');
    expect(gateway.handlers.whoami).not.toHaveBeenCalled();
  });

  it('answers 500 when the authorizer throws, not calling the function', async () => {
    gateway.authorizer.mockRejectedValueOnce(new Error('store down'));
    await expectGatewayError(
      await fetch(`${gateway.url}/whoami`, { headers: { authorization: 'Bearer k' } }),
      500,
      'Internal Server Error',
    );
    expect(gateway.handlers.whoami).not.toHaveBeenCalled();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'allow'],
    ['an empty object', {}],
    ['isAuthorized as a string', { isAuthorized: 'true', context: {} }],
    ['isAuthorized as a number', { isAuthorized: 1 }],
    ['an IAM policy', { principalId: 'x', policyDocument: { Statement: [{ Effect: 'Allow' }] } }],
  ])('answers 500 when the authorizer returns junk (%s), not calling the function', async (_label, junk) => {
    gateway.authorizer.mockResolvedValueOnce(junk);
    await expectGatewayError(
      await fetch(`${gateway.url}/whoami`, { headers: { authorization: 'Bearer k' } }),
      500,
      'Internal Server Error',
    );
    expect(gateway.handlers.whoami).not.toHaveBeenCalled();
  });

  it('gives the authorizer a payload 2.0 REQUEST event with the Authorization header and the route key as identity sources', async () => {
    await fetch(`${gateway.url}/whoami?x=1`, { headers: { Authorization: 'Bearer the-key', 'X-Extra': 'E' } });
    const event = onlyCall(gateway.authorizer);
    expect(event).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      identitySource: ['Bearer the-key', 'GET /whoami'],
      routeKey: 'GET /whoami',
      rawPath: '/whoami',
      rawQueryString: 'x=1',
      queryStringParameters: { x: '1' },
    });
    expect(event.routeArn).toMatch(/\/\$default\/GET\/whoami$/);
    expect(event.headers).toMatchObject({ authorization: 'Bearer the-key', 'x-extra': 'E' });
  });

  it("hands the authorizer's context to the function as requestContext.authorizer.lambda", async () => {
    const response = await fetch(`${gateway.url}/whoami`, { headers: { authorization: 'Bearer the-key' } });
    expect(response.status).toBe(200);
    const event = onlyCall(gateway.handlers.whoami);
    expect(event.routeKey).toBe('GET /whoami');
    expect((event.requestContext as { authorizer?: unknown }).authorizer).toEqual({ lambda: ALLOW.context });
    expect(event.headers.authorization).toBe('Bearer the-key');
  });

  it('on a templated apiKey route, gives authorizer and function the route key and path parameters', async () => {
    const response = await fetch(`${gateway.url}/orders/o-42?expand=items`, { headers: { authorization: 'Bearer the-key' } });
    expect(response.status).toBe(200);
    const authorizerEvent = onlyCall(gateway.authorizer);
    expect(authorizerEvent).toMatchObject({ routeKey: 'GET /orders/{orderId}', pathParameters: { orderId: 'o-42' } });
    expect(authorizerEvent.routeArn).toMatch(/^arn:aws:execute-api:[^:]+:\d{12}:[^/]+\/\$default\/GET\/orders\//);
    const event = onlyCall(gateway.orders);
    expect(event).toMatchObject({
      routeKey: 'GET /orders/{orderId}',
      rawPath: '/orders/o-42',
      pathParameters: { orderId: 'o-42' },
      queryStringParameters: { expand: 'items' },
    });
    expect((event.requestContext as { authorizer?: unknown }).authorizer).toEqual({ lambda: ALLOW.context });
    expect(gateway.handlers.whoami).not.toHaveBeenCalled();
  });

  it('gives an empty context when the authorizer allows without one', async () => {
    gateway.authorizer.mockResolvedValueOnce({ isAuthorized: true });
    await fetch(`${gateway.url}/whoami`, { headers: { authorization: 'Bearer k' } });
    expect((onlyCall(gateway.handlers.whoami).requestContext as { authorizer?: unknown }).authorizer).toEqual({ lambda: {} });
  });
});

describe('local gateway: authorizer result caching', () => {
  const whoami = (gateway: TestGateway, authorization: string) => fetch(`${gateway.url}/whoami`, { headers: { authorization } });

  it('with TTL 60 s, reuses a verdict for the same Authorization header', async () => {
    const gateway = await startGateway({ ttlSeconds: 60 });
    expect((await whoami(gateway, 'Bearer one')).status).toBe(200);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(200);
    expect(gateway.authorizer).toHaveBeenCalledTimes(1);
    expect(gateway.handlers.whoami).toHaveBeenCalledTimes(2);
    const second = gateway.handlers.whoami.mock.calls[1]?.[0];
    expect((second?.requestContext as { authorizer?: unknown }).authorizer).toEqual({ lambda: ALLOW.context });
  });

  it('with TTL 60 s, asks again for a different Authorization header', async () => {
    const gateway = await startGateway({ ttlSeconds: 60 });
    await whoami(gateway, 'Bearer one');
    await whoami(gateway, 'Bearer two');
    await whoami(gateway, 'bearer one');
    expect(gateway.authorizer).toHaveBeenCalledTimes(3);
  });

  it('with TTL 60 s, keeps a verdict for just under 60 s and asks again at 60 s', async () => {
    const gateway = await startGateway({ ttlSeconds: 60 });
    await whoami(gateway, 'Bearer one');
    gateway.advance(59_999);
    await whoami(gateway, 'Bearer one');
    expect(gateway.authorizer).toHaveBeenCalledTimes(1);
    gateway.advance(1);
    await whoami(gateway, 'Bearer one');
    expect(gateway.authorizer).toHaveBeenCalledTimes(2);
  });

  it('caches denials too: a denied key stays denied for the TTL without asking again', async () => {
    const gateway = await startGateway({ ttlSeconds: 60 });
    gateway.authorizer.mockResolvedValueOnce(DENY).mockResolvedValue(ALLOW);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(403);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(403);
    expect(gateway.authorizer).toHaveBeenCalledTimes(1);
    gateway.advance(60_000);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(200);
  });

  it('keeps serving a cached allow after the key is revoked, until the TTL passes', async () => {
    const gateway = await startGateway({ ttlSeconds: 60 });
    gateway.authorizer.mockResolvedValueOnce(ALLOW).mockResolvedValue(DENY);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(200);
    gateway.advance(30_000);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(200);
    gateway.advance(30_000);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(403);
  });

  it('does not cache an authorizer failure', async () => {
    const gateway = await startGateway({ ttlSeconds: 60 });
    gateway.authorizer.mockRejectedValueOnce(new Error('store down')).mockResolvedValue(ALLOW);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(500);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(200);
    expect(gateway.authorizer).toHaveBeenCalledTimes(2);
  });

  it('does not cache a junk answer', async () => {
    const gateway = await startGateway({ ttlSeconds: 60 });
    gateway.authorizer.mockResolvedValueOnce({ isAuthorized: 'yes' }).mockResolvedValue(ALLOW);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(500);
    expect((await whoami(gateway, 'Bearer one')).status).toBe(200);
    expect(gateway.authorizer).toHaveBeenCalledTimes(2);
  });

  it('keys cached verdicts per route too: an allow cached on one route never opens a route needing a scope the key lacks', async () => {
    // The real authorizer, with GET /orders/{orderId} requiring a scope this key does not carry.
    const store = new InMemoryKeyStore();
    const format = new KeyFormat('uak');
    const generated = format.generate();
    store.seed({
      keyId: generated.keyId,
      ownerId: 'auth0|alice',
      secretHash: hashSecret(generated.secret),
      name: 'read only',
      scopes: ['read'],
      createdAt: new Date(T0).toISOString(),
      expiresAt: T0 / 1000 + 3600,
    });
    const authorizer = createAuthorizerHandler({
      verifier: new KeyVerifier({ store, format, clock: () => new Date(T0) }),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      routeScopes: new Map([['GET /orders/{orderId}', 'orders:read']]),
      // /whoami has no scope here; allow keeps it open (the default would deny it once a route has a scope).
      unscopedRoutes: 'allow',
    });
    const gateway = await startGateway({ ttlSeconds: 60 });
    gateway.authorizer.mockImplementation(authorizer);
    const authorization = `Bearer ${generated.key}`;
    expect((await whoami(gateway, authorization)).status).toBe(200);
    expect((await fetch(`${gateway.url}/orders/42`, { headers: { authorization } })).status).toBe(403);
    expect((await whoami(gateway, authorization)).status).toBe(200);
    expect(gateway.orders).not.toHaveBeenCalled();
    expect(gateway.authorizer).toHaveBeenCalledTimes(2); // once per route, each then cached
  });

  it('with TTL 0, asks the authorizer on every request', async () => {
    const gateway = await startGateway({ ttlSeconds: 0 });
    for (let i = 0; i < 3; i += 1) await whoami(gateway, 'Bearer one');
    expect(gateway.authorizer).toHaveBeenCalledTimes(3);
  });
});

describe('AuthorizerCache', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = T0;
  });

  it('returns nothing for an identity it has not seen', () => {
    expect(new AuthorizerCache<string>(60, clock).get(['Bearer a'])).toBeUndefined();
  });

  it('returns a stored value until the TTL has passed, then forgets it', () => {
    const cache = new AuthorizerCache<string>(60, clock);
    cache.set(['Bearer a'], 'allow');
    now += 59_999;
    expect(cache.get(['Bearer a'])).toBe('allow');
    now += 1;
    expect(cache.get(['Bearer a'])).toBeUndefined();
    now -= 1;
    expect(cache.get(['Bearer a'])).toBeUndefined();
  });

  it('keeps identities apart, including ones that would collide if naively joined', () => {
    const cache = new AuthorizerCache<string>(60, clock);
    cache.set(['a', 'b'], 'pair');
    cache.set(['a,b'], 'joined');
    expect(cache.get(['a', 'b'])).toBe('pair');
    expect(cache.get(['a,b'])).toBe('joined');
    expect(cache.get(['a'])).toBeUndefined();
  });

  it('refreshing an identity already held evicts nothing else', () => {
    const cache = new AuthorizerCache<string>(60, clock, 2);
    cache.set(['1'], 'one');
    cache.set(['2'], 'two');
    cache.set(['2'], 'two again');
    expect(cache.get(['1'])).toBe('one');
    expect(cache.get(['2'])).toBe('two again');
  });

  it('stores nothing with TTL 0', () => {
    const cache = new AuthorizerCache<string>(0, clock);
    cache.set(['Bearer a'], 'allow');
    expect(cache.get(['Bearer a'])).toBeUndefined();
  });

  it('is bounded: when full, the oldest entry goes first', () => {
    const cache = new AuthorizerCache<string>(60, clock, 3);
    cache.set(['1'], 'one');
    cache.set(['2'], 'two');
    cache.set(['3'], 'three');
    cache.set(['4'], 'four');
    expect(cache.get(['1'])).toBeUndefined();
    expect(cache.get(['2'])).toBe('two');
    expect(cache.get(['3'])).toBe('three');
    expect(cache.get(['4'])).toBe('four');
    cache.set(['5'], 'five');
    expect(cache.get(['2'])).toBeUndefined();
    expect(cache.get(['5'])).toBe('five');
  });

  it('does not keep the identity itself as a map key', () => {
    const cache = new AuthorizerCache<string>(60, clock);
    cache.set(['Bearer uak_secret-looking-value'], 'allow');
    // Reaches into the private map to look at its keys.
    const entries = (cache as unknown as { entries: { entries: Map<string, unknown> } }).entries.entries;
    expect([...entries.keys()].join()).not.toContain('uak_secret-looking-value');
  });
});

describe('local gateway: function and integration timeouts, as deployed', () => {
  const never = () => new Promise<FunctionResult>(() => undefined);
  const ok = (): Promise<FunctionResult> => Promise.resolve({ statusCode: 200, body: '{"ok":true}' });

  /** A gateway with one management route (POST /keys), one public route (GET /health) and one with its own timeout (GET /slow). */
  async function timeoutGateway(
    handlers: { keys?: LocalRoute['handler']; health?: LocalRoute['handler']; slow?: LocalRoute['handler'] },
    options: { managementTimeoutMs?: number; integrationTimeoutMs?: number; slowTimeoutMs?: number } = {},
  ): Promise<string> {
    const server = createGateway({
      routes: [
        { method: 'POST', path: '/keys', auth: 'accessToken', function: 'createKey', handler: handlers.keys ?? ok },
        { method: 'GET', path: '/health', auth: 'none', function: 'health', handler: handlers.health ?? ok },
        { method: 'GET', path: '/slow', auth: 'none', function: 'health', handler: handlers.slow ?? ok, timeoutMs: options.slowTimeoutMs },
      ],
      authorizer: () => Promise.resolve(ALLOW),
      authorizerCacheTtlSeconds: 0,
      managementTimeoutMs: options.managementTimeoutMs,
      integrationTimeoutMs: options.integrationTimeoutMs,
    });
    const port = await listenOnLoopback(server, 0);
    servers.push(server);
    return `http://127.0.0.1:${port}`;
  }

  /** The context a function was invoked with, and its remaining time then and a little later. */
  function capturing(): { handler: LocalRoute['handler']; seen: () => { context: LocalLambdaContext; first: number; later: number } } {
    let seen: { context: LocalLambdaContext; first: number; later: number } | undefined;
    return {
      handler: async (_event, context) => {
        if (context === undefined) throw new Error('no context');
        const first = context.getRemainingTimeInMillis();
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen = { context, first, later: context.getRemainingTimeInMillis() };
        return { statusCode: 200, body: '{}' };
      },
      seen: () => {
        if (seen === undefined) throw new Error('not invoked');
        return seen;
      },
    };
  }

  it('gives a management function a Lambda-like context counting down from the deployed management timeout', async () => {
    const { handler, seen } = capturing();
    const url = await timeoutGateway({ keys: handler });
    expect((await fetch(`${url}/keys`, { method: 'POST' })).status).toBe(200);
    const { context, first, later } = seen();
    const timeoutMs = MANAGEMENT_FUNCTION_TIMEOUT_SECONDS * 1000;
    expect(timeoutMs).toBe(24_000);
    expect(first).toBeLessThanOrEqual(timeoutMs);
    expect(first).toBeGreaterThan(timeoutMs - 1000);
    expect(later).toBeLessThan(first);
    expect(context.functionName).toBe('createKey');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts down from managementTimeoutMs when given, and from a route’s own timeout', async () => {
    const keys = capturing();
    const slow = capturing();
    const url = await timeoutGateway({ keys: keys.handler, slow: slow.handler }, { managementTimeoutMs: 3000, slowTimeoutMs: 1500 });
    await fetch(`${url}/keys`, { method: 'POST' });
    await fetch(`${url}/slow`);
    expect(keys.seen().first).toBeLessThanOrEqual(3000);
    expect(keys.seen().first).toBeGreaterThan(2000);
    expect(slow.seen().first).toBeLessThanOrEqual(1500);
    expect(slow.seen().first).toBeGreaterThan(500);
  });

  it('a function with no timeout of its own has until the integration timeout (30 s)', async () => {
    const { handler, seen } = capturing();
    const url = await timeoutGateway({ health: handler });
    await fetch(`${url}/health`);
    expect(INTEGRATION_TIMEOUT_MS).toBe(30_000);
    expect(seen().first).toBeLessThanOrEqual(INTEGRATION_TIMEOUT_MS);
    expect(seen().first).toBeGreaterThan(INTEGRATION_TIMEOUT_MS - 1000);
  });

  it('answers 500 {"message":"Internal Server Error"} when a function outlives its timeout, as Lambda stops it', async () => {
    const url = await timeoutGateway({ keys: never }, { managementTimeoutMs: 300 });
    const started = Date.now();
    const response = await fetch(`${url}/keys`, { method: 'POST' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expectGatewayError(response, 500, 'Internal Server Error');
    expect(response.headers.get('apigw-requestid')).toEqual(expect.any(String));
  });

  it('answers 503 {"message":"Service Unavailable"} when nothing answers within the integration timeout', async () => {
    const url = await timeoutGateway({ health: never, slow: never }, { integrationTimeoutMs: 300, slowTimeoutMs: 5000 });
    await expectGatewayError(await fetch(`${url}/health`), 503, 'Service Unavailable');
    // A function timeout beyond the integration's does not make the gateway wait longer.
    const started = Date.now();
    await expectGatewayError(await fetch(`${url}/slow`), 503, 'Service Unavailable');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('passes a function’s answer that comes in time, and a late answer changes nothing', async () => {
    let finishLate: ((result: FunctionResult) => void) | undefined;
    const url = await timeoutGateway(
      {
        keys: () => new Promise((resolve) => setTimeout(resolve, 20, { statusCode: 201, body: '{"made":true}' })),
        health: () =>
          new Promise((resolve) => {
            finishLate = resolve;
          }),
      },
      { managementTimeoutMs: 2000, integrationTimeoutMs: 200 },
    );
    const made = await fetch(`${url}/keys`, { method: 'POST' });
    expect(made.status).toBe(201);
    expect(await made.json()).toEqual({ made: true });
    await expectGatewayError(await fetch(`${url}/health`), 503, 'Service Unavailable');
    finishLate?.({ statusCode: 200, body: 'too late' });
    expect((await fetch(`${url}/keys`, { method: 'POST' })).status).toBe(201);
  });

  it('answers 500 when a function throws before returning a promise', async () => {
    const url = await timeoutGateway({
      health: () => {
        throw new Error('sync crash');
      },
    });
    await expectGatewayError(await fetch(`${url}/health`), 500, 'Internal Server Error');
  });
});
