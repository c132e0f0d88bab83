import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { KeyFormat, type GeneratedKey } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { VerdictCache } from '../../../lambdas/domain/verdict-cache';
import { createAuthorizerHandler } from '../../../lambdas/handlers/authorizer';
import { VERDICT_METRIC_NAMES, type VerdictOutcome } from '../../../lambdas/observability/verdict-metric-names';
import { createVerdictMetricsSink, VerdictMetrics } from '../../../lambdas/observability/verdict-metrics';
import authorizerEventFixture from '../../fixtures/authorizer-event.json';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const format = new KeyFormat('uak');
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function event(authorization: string, routeKey = 'GET /whoami'): APIGatewayRequestAuthorizerEventV2 {
  const fixture = structuredClone(authorizerEventFixture) as unknown as APIGatewayRequestAuthorizerEventV2;
  return { ...fixture, routeKey, headers: { ...fixture.headers, authorization }, identitySource: [authorization, routeKey] };
}

function stored(key: GeneratedKey, overrides: Partial<StoredKey> = {}): StoredKey {
  return {
    keyId: key.keyId,
    ownerId: 'auth0|alice',
    secretHash: hashSecret(key.secret),
    name: 'ci',
    scopes: ['read'],
    createdAt: NOW.toISOString(),
    expiresAt: NOW.getTime() / 1000 + 3600,
    ...overrides,
  };
}

describe('the authorizer counts each outcome once', () => {
  const keys = {
    good: format.generate(),
    revoked: format.generate(),
    expired: format.generate(),
    disabled: format.generate(),
    faulty: format.generate(),
  };
  const items = new Map<string, StoredKey>([
    [keys.good.keyId, stored(keys.good)],
    [keys.revoked.keyId, stored(keys.revoked, { revokedAt: NOW.toISOString() })],
    [keys.expired.keyId, stored(keys.expired, { expiresAt: NOW.getTime() / 1000 - 1 })],
    [keys.disabled.keyId, stored(keys.disabled, { disabledAt: NOW.toISOString() })],
  ]);
  const store = {
    getKey: (keyId: string) =>
      keyId === keys.faulty.keyId ? Promise.reject(new Error('DynamoDB unreachable')) : Promise.resolve(items.get(keyId)),
  };

  function build() {
    const counted: VerdictOutcome[] = [];
    const cache = new VerdictCache({ ttlSeconds: 30, now: () => NOW.getTime() });
    const metrics = { tick: jest.fn(), count: (outcome: VerdictOutcome) => void counted.push(outcome), flush: jest.fn() };
    const handler = createAuthorizerHandler({
      verifier: new KeyVerifier({ store, format, cache, clock: () => NOW }),
      logger: quiet,
      routeScopes: new Map([
        ['GET /whoami', 'read'],
        ['GET /admin', 'admin'],
      ]),
      unscopedRoutes: 'deny',
      metrics,
    });
    return { handler, counted, metrics, cache };
  }

  it.each<[VerdictOutcome, () => APIGatewayRequestAuthorizerEventV2]>([
    ['ALLOWED', () => event(`Bearer ${keys.good.key}`)],
    ['MISSING', () => event('')],
    ['MALFORMED', () => event('Bearer not-a-key')],
    ['KEY_ID_MISMATCH', () => event(`Basic ${Buffer.from(`${format.generate().keyId}:${keys.good.key}`).toString('base64')}`)],
    ['NOT_FOUND', () => event(`Bearer ${format.generate().key}`)],
    ['INVALID_SECRET', () => event(`Bearer ${format.format(keys.good.keyId, format.generate().secret)}`)],
    ['REVOKED', () => event(`Bearer ${keys.revoked.key}`)],
    ['EXPIRED', () => event(`Bearer ${keys.expired.key}`)],
    ['DISABLED', () => event(`Bearer ${keys.disabled.key}`)],
    ['INSUFFICIENT_SCOPE', () => event(`Bearer ${keys.good.key}`, 'GET /admin')],
    ['UNSCOPED_ROUTE', () => event(`Bearer ${keys.good.key}`, 'GET /elsewhere')],
  ])('%s', async (outcome, request) => {
    const { handler, counted, metrics } = build();
    const result = await handler(request());
    expect(result.isAuthorized).toBe(outcome === 'ALLOWED');
    expect(counted).toEqual([outcome]);
    expect(metrics.tick).toHaveBeenCalledTimes(1);
  });

  it('ERROR, for a fault, which is still rethrown (no allow, no cached denial)', async () => {
    const { handler, counted } = build();
    await expect(handler(event(`Bearer ${keys.faulty.key}`))).rejects.toThrow('DynamoDB unreachable');
    expect(counted).toEqual(['ERROR']);
  });

  it('ticks before verifying, so a finished minute is written before the new request counts', async () => {
    const { handler, counted, metrics } = build();
    metrics.tick.mockImplementation(() => {
      expect(counted).toEqual([]);
    });
    await handler(event(`Bearer ${keys.good.key}`));
    expect(metrics.tick).toHaveBeenCalled();
  });

  it('lets the verdict cache count its hits and misses (well-formed keys only)', async () => {
    const { handler, cache } = build();
    await handler(event(`Bearer ${keys.good.key}`));
    await handler(event(`Bearer ${keys.good.key}`));
    await handler(event(`Bearer ${keys.good.key}`, 'GET /admin'));
    await handler(event('Bearer not-a-key'));
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 1 });
  });
});

describe('what the metrics say about keys', () => {
  it('never a key, a secret, a key id or an owner: names and dimensions are constants', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const key = format.generate();
      const cache = new VerdictCache({ ttlSeconds: 30 });
      const metrics = new VerdictMetrics({ sink: createVerdictMetricsSink('fn'), cacheLookups: cache });
      const handler = createAuthorizerHandler({
        verifier: new KeyVerifier({ store: { getKey: () => Promise.resolve(stored(key)) }, format, cache, clock: () => NOW }),
        logger: quiet,
        metrics,
      });
      await handler(event(`Bearer ${key.key}`));
      await handler(event(`Bearer ${format.format(key.keyId, format.generate().secret)}`));
      metrics.flush();
      const text = written.join('');
      expect(JSON.parse(text)).toMatchObject({ [VERDICT_METRIC_NAMES.ALLOWED]: 1, [VERDICT_METRIC_NAMES.INVALID_SECRET]: 1 });
      for (const secretish of [key.key, key.secret, key.keyId, 'auth0|alice']) expect(text).not.toContain(secretish);
    } finally {
      spy.mockRestore();
      delete process.env.POWERTOOLS_METRICS_DISABLED;
    }
  });
});
