import type { Server } from 'node:http';
import { routesWithKeyCreationThrottle, ROUTES } from '../../../lambdas/api-definition';
import { ConfigError } from '../../../lambdas/settings/config-error';
import { createGateway, type LocalRoute } from '../../../local/gateway';
import { closeServer, listenOnLoopback } from '../../../local/http-util';
import { localSettingsFromEnv } from '../../../local/settings';

describe('KEY_CREATION_RATE_LIMIT and KEY_CREATION_BURST_LIMIT under npm start', () => {
  it('default to a ceiling of 50/s, burst 100, as deployed (each owner has their own, smaller budget)', () => {
    expect(localSettingsFromEnv({}, '/tmp').keyCreationThrottle).toEqual({ rateLimit: 50, burstLimit: 100 });
  });

  it('are read from the environment', () => {
    expect(localSettingsFromEnv({ KEY_CREATION_RATE_LIMIT: '2', KEY_CREATION_BURST_LIMIT: '3' }, '/tmp').keyCreationThrottle).toEqual({
      rateLimit: 2,
      burstLimit: 3,
    });
  });

  it('stop the start naming the variable when bad', () => {
    expect(() => localSettingsFromEnv({ KEY_CREATION_RATE_LIMIT: '0' }, '/tmp')).toThrow(ConfigError);
    expect(() => localSettingsFromEnv({ KEY_CREATION_BURST_LIMIT: '1.5' }, '/tmp')).toThrow(
      /^KEY_CREATION_BURST_LIMIT must be a whole number from 1 to 5000, got "1.5"$/,
    );
  });
});

describe('routesWithKeyCreationThrottle', () => {
  it('gives the chosen budget to POST /keys, POST /keys/{id}/rotate and POST /oauth/token, and to no other route', () => {
    const throttled = routesWithKeyCreationThrottle({ rateLimit: 1, burstLimit: 2 })
      .filter((route) => route.throttle !== undefined)
      .map((route) => [`${route.method} ${route.path}`, route.throttle]);
    expect(throttled).toEqual([
      ['POST /oauth/token', { rateLimit: 1, burstLimit: 2 }],
      ['POST /keys', { rateLimit: 1, burstLimit: 2 }],
      ['POST /keys/{id}/rotate', { rateLimit: 1, burstLimit: 2 }],
    ]);
    expect(ROUTES.filter((route) => route.throttle !== undefined)).toHaveLength(3); // the table itself is unchanged
  });
});

describe('the local gateway applies the chosen key-creation budget', () => {
  let now = 1_000_000;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const routes: LocalRoute[] = routesWithKeyCreationThrottle({ rateLimit: 1, burstLimit: 2 }).map((route) => ({
      ...route,
      auth: 'none',
      handler: () => Promise.resolve({ statusCode: 201, body: '{}' }),
    }));
    server = createGateway({
      routes,
      authorizer: () => Promise.resolve({ isAuthorized: true }),
      authorizerCacheTtlSeconds: 0,
      now: () => now,
    });
    url = `http://127.0.0.1:${await listenOnLoopback(server, 0)}`;
  });
  afterAll(() => closeServer(server));

  const statuses = async (method: string, path: string, times: number) => {
    const seen: number[] = [];
    for (let i = 0; i < times; i += 1) seen.push((await fetch(`${url}${path}`, { method })).status);
    return seen;
  };

  it('lets the burst through, then 429 until the bucket refills at the rate', async () => {
    expect(await statuses('POST', '/keys', 3)).toEqual([201, 201, 429]);
    now += 1000;
    expect(await statuses('POST', '/keys', 2)).toEqual([201, 429]);
  });

  it('gives rotation a bucket of its own, and leaves the other routes alone', async () => {
    expect(await statuses('POST', '/keys/k1/rotate', 3)).toEqual([201, 201, 429]);
    expect(await statuses('GET', '/keys', 5)).toEqual([201, 201, 201, 201, 201]);
  });
});
