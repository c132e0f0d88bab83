import type { Server } from 'node:http';
import { createGateway, type LocalRoute } from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';
import { TokenBucket } from '../../../local/token-bucket';

describe('route throttling in the local gateway', () => {
  let now = 1_000_000;
  let server: Server;
  let url: string;
  const calls: string[] = [];

  beforeAll(async () => {
    const route = (path: string, throttle?: { rateLimit: number; burstLimit: number }): LocalRoute => ({
      method: 'POST',
      path,
      auth: 'none',
      function: 'createKey',
      ...(throttle ? { throttle } : {}),
      handler: () => {
        calls.push(path);
        return Promise.resolve({ statusCode: 201, body: '{}' });
      },
    });
    server = createGateway({
      routes: [route('/limited', { rateLimit: 1, burstLimit: 2 }), route('/free')],
      authorizer: () => Promise.resolve({ isAuthorized: true }),
      authorizerCacheTtlSeconds: 0,
      now: () => now,
    });
    url = `http://127.0.0.1:${await listenOnLoopback(server, 0)}`;
  });
  afterAll(() => closeServer(server));

  const post = async (path: string) => {
    const response = await fetch(`${url}${path}`, { method: 'POST' });
    return { status: response.status, body: await response.json() };
  };

  it('lets the burst through, then answers 429 as API Gateway does, without calling the function', async () => {
    expect((await post('/limited')).status).toBe(201);
    expect((await post('/limited')).status).toBe(201);
    const before = calls.length;
    expect(await post('/limited')).toEqual({ status: 429, body: { message: 'Too Many Requests' } });
    expect(calls.length).toBe(before);
  });

  it('refills at the rate limit', async () => {
    now += 1000;
    expect((await post('/limited')).status).toBe(201);
    expect((await post('/limited')).status).toBe(429);
  });

  it('leaves routes without a throttle alone', async () => {
    for (let i = 0; i < 5; i += 1) expect((await post('/free')).status).toBe(201);
  });
});

describe('TokenBucket', () => {
  it('never holds more than its burst, however long it rested', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 3 }, () => now);
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10/s
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  });
});
