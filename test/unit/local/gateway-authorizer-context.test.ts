import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createGateway, type FunctionResult, type LocalRoute } from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';

/**
 * Each request a cached verdict allows gets its own copy of the authorizer's context, as each Lambda
 * invocation gets its own event: equal to what structuredClone gives, sharing nothing with the cache, so
 * a function that changes its event changes nothing for the next request.
 */

type Context = Record<string, unknown>;

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => closeServer(server)));
});

async function gatewayWith(context: unknown, handler: (event: APIGatewayProxyEventV2) => Promise<FunctionResult>) {
  const routes: LocalRoute[] = [{ method: 'GET', path: '/whoami', auth: 'apiKey', function: 'whoami', handler }];
  const authorizer = jest.fn(() => Promise.resolve({ isAuthorized: true, context }));
  const server = createGateway({ routes, authorizer, authorizerCacheTtlSeconds: 60, throttle: false });
  const port = await listenOnLoopback(server, 0);
  servers.push(server);
  const call = () => fetch(`http://127.0.0.1:${port}/whoami`, { headers: { authorization: 'Bearer uak_key' } });
  return { authorizer, call };
}

const lambdaOf = (event: APIGatewayProxyEventV2): Context =>
  (event.requestContext as unknown as { authorizer: { lambda: Context } }).authorizer.lambda;

describe('local gateway: the authorizer’s context, a copy per request', () => {
  const CONTEXT = JSON.parse(
    '{"sub":"auth0|alice","keyId":"k1","scopes":["read","write"],"scope":"read write","n":1.5,"ok":true,"none":null,' +
      '"nested":{"list":[{"a":[1,2]}],"empty":{}},"__proto__":{"polluted":true}}',
  ) as Context;

  it('hands each request a copy equal to structuredClone’s, sharing nothing with the cached verdict', async () => {
    const seen: Context[] = [];
    const { authorizer, call } = await gatewayWith(CONTEXT, (event) => {
      seen.push(lambdaOf(event));
      return Promise.resolve({ statusCode: 200, body: '{}' });
    });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(1); // the second from the cache
    for (const copy of seen) {
      expect(copy).toStrictEqual(structuredClone(CONTEXT));
      expect(copy).not.toBe(CONTEXT);
      expect(copy.scopes).not.toBe(CONTEXT.scopes);
      expect(copy.nested).not.toBe(CONTEXT.nested);
      // An own `__proto__` stays an own property; it is nobody's prototype.
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.getOwnPropertyNames(copy)).toContain('__proto__');
      expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    }
    expect(seen[0]).not.toBe(seen[1]);
    expect((seen[0]!.nested as { list: unknown[] }).list).not.toBe((seen[1]!.nested as { list: unknown[] }).list);
  });

  it('a function that changes its event changes nothing for the next request', async () => {
    const seen: Context[] = [];
    const { call } = await gatewayWith(CONTEXT, (event) => {
      const lambda = lambdaOf(event);
      seen.push(structuredClone(lambda));
      (lambda.scopes as string[]).push('admin');
      lambda.sub = 'auth0|mallory';
      (lambda.nested as { list: { a: number[] }[] }).list[0]!.a.push(3);
      return Promise.resolve({ statusCode: 200, body: '{}' });
    });
    await call();
    await call();
    expect(seen[1]).toStrictEqual(structuredClone(CONTEXT));
    expect(CONTEXT.scopes).toEqual(['read', 'write']);
  });

  it('a context that is not JSON (a function in it) is a 500, as structuredClone refuses it', async () => {
    const handler = jest.fn(() => Promise.resolve({ statusCode: 200, body: '{}' }));
    const { call } = await gatewayWith({ sub: 'auth0|alice', callback: () => undefined }, handler);
    const response = await call();
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(handler).not.toHaveBeenCalled();
  });
});
