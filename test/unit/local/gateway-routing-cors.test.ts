import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { corsRules } from '../../../lambdas/api-definition';
import { createGateway, type FunctionResult, type LocalRoute } from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';

type Handler = jest.Mock<Promise<FunctionResult>, [APIGatewayProxyEventV2]>;
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => closeServer(server)));
});

const answering = (name: string): Handler =>
  jest.fn((_event: APIGatewayProxyEventV2) =>
    Promise.resolve<FunctionResult>({
      statusCode: 200,
      // A function's own CORS headers, which API Gateway ignores once CORS is configured.
      headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
      body: JSON.stringify({ name }),
    }),
  );

async function start(allowOrigins: readonly string[] = []) {
  const page = answering('page');
  const files = answering('files');
  const backend = answering('backend');
  const key = answering('key');
  const routes: LocalRoute[] = [
    { method: 'GET', path: '/console', auth: 'none', function: 'console', handler: page },
    { method: 'GET', path: '/{proxy+}', auth: 'none', function: 'whoami', handler: backend },
    { method: 'GET', path: '/console/{proxy+}', auth: 'none', function: 'console', handler: files },
    { method: 'GET', path: '/keys/{id}', auth: 'none', function: 'getKey', handler: key },
  ];
  const gateway = createGateway({
    routes,
    authorizer: () => Promise.resolve({ isAuthorized: false }),
    authorizerCacheTtlSeconds: 0,
    cors: { allowOrigins, rules: corsRules('x-api-key') },
  });
  const port = await listenOnLoopback(gateway, 0);
  servers.push(gateway);
  return { url: `http://127.0.0.1:${port}`, page, files, backend, key };
}

const nameOf = async (response: Response): Promise<string> => ((await response.json()) as { name: string }).name;

describe('the local gateway picks routes as API Gateway does', () => {
  it('prefers an exact route, then the longest greedy prefix, and passes the greedy rest decoded', async () => {
    const gateway = await start();
    expect(await nameOf(await fetch(`${gateway.url}/console`))).toBe('page');
    expect(await nameOf(await fetch(`${gateway.url}/console/assets/app-1.js`))).toBe('files');
    expect(gateway.files.mock.calls[0]?.[0].pathParameters).toEqual({ proxy: 'assets/app-1.js' });
    expect(await nameOf(await fetch(`${gateway.url}/keys/abc`))).toBe('key');
    expect(await nameOf(await fetch(`${gateway.url}/orders/1/lines`))).toBe('backend');
    expect(gateway.backend.mock.calls[0]?.[0].pathParameters).toEqual({ proxy: 'orders/1/lines' });
    await fetch(`${gateway.url}/console/a%20b`);
    expect(gateway.files.mock.calls[1]?.[0].pathParameters).toEqual({ proxy: 'a b' });
  });

  it('gives a greedy variable one segment at least: /console/ is not /console/{proxy+}', async () => {
    const gateway = await start();
    expect(await nameOf(await fetch(`${gateway.url}/console/`))).toBe('backend');
    expect(gateway.files).not.toHaveBeenCalled();
  });
});

describe('CORS, as the HTTP API does it for CORS_ALLOW_ORIGINS', () => {
  const APP = 'https://app.example.com';

  it('answers an allowed preflight itself, whatever the route, with the configured rules', async () => {
    const gateway = await start([APP]);
    const response = await fetch(`${gateway.url}/keys/abc`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization,idempotency-key',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,PATCH,DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type,idempotency-key,x-api-key');
    expect(response.headers.get('access-control-max-age')).toBe('3600');
    expect(gateway.key).not.toHaveBeenCalled();
  });

  it('gives another origin no CORS headers, on the preflight and on the request', async () => {
    const gateway = await start([APP]);
    const preflight = await fetch(`${gateway.url}/keys/abc`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const response = await fetch(`${gateway.url}/console/user-api-keys.js`, { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("adds the allowed origin and the exposed headers to the function's answer, replacing the function's own", async () => {
    const gateway = await start([APP]);
    const response = await fetch(`${gateway.url}/console/user-api-keys.js`, { headers: { origin: APP } });
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-expose-headers')).toBe('retry-after,idempotent-replayed');
    expect(response.headers.get('vary')).toBe('origin');
  });

  it("is off without allowed origins: no preflight answer (404, no route), and the function's headers pass as they are", async () => {
    const gateway = await start();
    const preflight = await fetch(`${gateway.url}/keys/abc`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(404);
    const response = await fetch(`${gateway.url}/keys/abc`, { headers: { origin: APP } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
