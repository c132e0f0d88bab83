import type { Server } from 'node:http';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import {
  AUTHORIZER_TIMEOUT_MS,
  createGateway,
  LAMBDA_AUTHORIZER_TIMEOUT_MS,
  type AuthorizerFunction,
  type FunctionResult,
  type LocalRoute,
} from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';
import { AUTHORIZER_FUNCTION_TIMEOUT_SECONDS } from '../../../lambdas/runtime/function-timeouts';

/**
 * The local gateway holds the authorizer to its deployed timeout, as Lambda and API Gateway do: an
 * authorizer still running then is a 500 {"message":"Internal Server Error"}, never an allow, and
 * nothing is cached, its late answer included. Short timeouts here; test/reliability/hung-dynamodb.test.ts
 * runs the deployed ones against a DynamoDB that never answers.
 */

// A gateway that waits for a hung authorizer fails here at once, not at jest's 60 s.
jest.setTimeout(5000);

const SHORT_MS = 200;
const ALLOW = { isAuthorized: true, context: { sub: 'auth0|alice', keyId: 'k1', scopes: ['read'] } };
const DENY = { isAuthorized: false, context: {} };
const never = () => new Promise<never>(() => undefined);

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => closeServer(server)));
});

/** A gateway with GET /whoami behind `authorizer` (caching on: 60 s), and a function that counts its calls. */
async function gatewayWith(authorizer: AuthorizerFunction, authorizerTimeoutMs: number | undefined = SHORT_MS) {
  const whoami = jest.fn((): Promise<FunctionResult> => Promise.resolve({ statusCode: 200, body: '{"ok":true}' }));
  const routes: LocalRoute[] = [{ method: 'GET', path: '/whoami', auth: 'apiKey', function: 'whoami', handler: whoami }];
  const server = createGateway({ routes, authorizer, authorizerCacheTtlSeconds: 60, authorizerTimeoutMs, throttle: false });
  const port = await listenOnLoopback(server, 0);
  servers.push(server);
  const call = async () => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/whoami`, { headers: { authorization: 'Bearer uak_key' } });
    return { status: response.status, body: await response.json(), ms: performance.now() - started };
  };
  return { whoami, call };
}

describe('local gateway: the authorizer’s timeout', () => {
  it('is the deployed one: the authorizer function’s timeout (7 s), inside API Gateway’s 10 s for a Lambda authorizer', () => {
    expect(AUTHORIZER_FUNCTION_TIMEOUT_SECONDS).toBe(7);
    expect(LAMBDA_AUTHORIZER_TIMEOUT_MS).toBe(10_000);
    expect(AUTHORIZER_TIMEOUT_MS).toBe(7000);
  });

  it('answers 500 {"message":"Internal Server Error"} when the authorizer is still running at its timeout, without calling the function', async () => {
    const { whoami, call } = await gatewayWith(never);
    const answer = await call();
    expect(answer).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
    expect(answer.ms).toBeGreaterThanOrEqual(SHORT_MS - 5);
    expect(answer.ms).toBeLessThan(SHORT_MS + 1000);
    expect(whoami).not.toHaveBeenCalled();
  });

  it('caches nothing for a timed-out authorizer: the next request asks again', async () => {
    const authorizer = jest.fn<Promise<unknown>, [APIGatewayRequestAuthorizerEventV2]>().mockImplementationOnce(never);
    authorizer.mockResolvedValue(ALLOW);
    const { whoami, call } = await gatewayWith(authorizer);
    expect((await call()).status).toBe(500);
    expect((await call()).status).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(2);
    expect(whoami).toHaveBeenCalledTimes(1);
    // ...and the allow that came in time is cached, as deployed.
    expect((await call()).status).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(2);
  });

  it('drops a late allow: it neither answers the request nor is cached for the next one', async () => {
    let lateAllow: (() => void) | undefined;
    const authorizer = jest
      .fn<Promise<unknown>, [APIGatewayRequestAuthorizerEventV2]>()
      .mockImplementationOnce(
        () =>
          new Promise((resolve) => {
            lateAllow = () => {
              resolve(ALLOW);
            };
          }),
      )
      .mockResolvedValue(DENY);
    const { whoami, call } = await gatewayWith(authorizer);
    expect((await call()).status).toBe(500);
    lateAllow?.();
    await new Promise((resolve) => setImmediate(resolve));
    // The key is refused now: the late allow was not kept.
    expect(await call()).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
    expect(authorizer).toHaveBeenCalledTimes(2);
    expect(whoami).not.toHaveBeenCalled();
  });

  it('a late failure after the timeout is dropped too (no unhandled rejection)', async () => {
    let lateFailure: (() => void) | undefined;
    const { call } = await gatewayWith(
      () =>
        new Promise((_resolve, reject) => {
          lateFailure = () => {
            reject(new Error('DynamoDB finally gave up'));
          };
        }),
    );
    expect((await call()).status).toBe(500);
    lateFailure?.();
    await new Promise((resolve) => setImmediate(resolve));
  });

  it.each([
    ['throws', () => Promise.reject(new Error('store unavailable'))],
    [
      'throws before returning a promise',
      () => {
        throw new Error('sync crash');
      },
    ],
    ['answers no simple response', () => Promise.resolve({ principalId: 'x' })],
  ] as const)('answers 500 at once when the authorizer %s, and caches nothing', async (_case, failing) => {
    const authorizer = jest.fn<Promise<unknown>, [APIGatewayRequestAuthorizerEventV2]>().mockImplementationOnce(failing);
    authorizer.mockResolvedValue(ALLOW);
    const { call } = await gatewayWith(authorizer, 5000);
    const failed = await call();
    expect(failed).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
    expect(failed.ms).toBeLessThan(1000);
    expect((await call()).status).toBe(200);
    expect(authorizer).toHaveBeenCalledTimes(2);
  });

  it('passes an answer that comes in time, however close to the timeout', async () => {
    const { whoami, call } = await gatewayWith(() => new Promise((resolve) => setTimeout(resolve, SHORT_MS / 2, ALLOW)));
    expect((await call()).status).toBe(200);
    expect(whoami).toHaveBeenCalledTimes(1);
  });
});
