import type { Server } from 'node:http';
import { createGateway, type GatewayExchange, type LocalRoute } from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';

/** The local gateway's `onResponse`, which the e2e suites' OpenAPI check reads: it sees exactly what the client got, and the route. */
describe("the local gateway's response observer", () => {
  let server: Server;
  let url: string;
  const seen: GatewayExchange[] = [];
  const routes: LocalRoute[] = [
    {
      method: 'GET',
      path: '/keys/{id}',
      auth: 'accessToken',
      function: 'getKey',
      handler: () => Promise.resolve({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"a"}' }),
    },
    { method: 'GET', path: '/whoami', auth: 'apiKey', function: 'whoami', handler: () => Promise.reject(new Error('never called')) },
    { method: 'GET', path: '/health', auth: 'none', function: 'health', handler: () => Promise.reject(new Error('a fault')) },
  ];

  beforeAll(async () => {
    server = createGateway({
      routes,
      authorizer: () => Promise.resolve({ isAuthorized: false }),
      authorizerCacheTtlSeconds: 0,
      onResponse: (exchange) => seen.push(exchange),
    });
    url = `http://127.0.0.1:${await listenOnLoopback(server, 0)}`;
  });
  afterAll(() => closeServer(server));
  beforeEach(() => {
    seen.length = 0;
  });

  async function call(path: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: await response.text() };
  }

  it.each([
    ['/keys/abc', 'GET /keys/{id}', 200, '{"id":"a"}'],
    ['/whoami', 'GET /whoami', 401, '{"message":"Unauthorized"}'],
    ['/health', 'GET /health', 500, '{"message":"Internal Server Error"}'],
    ['/nowhere', undefined, 404, '{"message":"Not Found"}'],
  ])('GET %s: the route %s, the status and the body as sent', async (path, routeKey, status, body) => {
    const answer = await call(path);
    expect(answer).toEqual({ status, body });
    expect(
      seen.map((exchange) => [exchange.routeKey, exchange.status, exchange.body.toString('utf8'), exchange.headers['content-type']]),
    ).toEqual([[routeKey, status, body, 'application/json']]);
  });
});
