import fc from 'fast-check';
import { splitCacheTtl } from '../../../lambdas/api-definition';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { VerdictCache } from '../../../lambdas/domain/verdict-cache';

const allow = { valid: true as const, ownerId: 'alice', keyId: 'k', scopes: [] };

describe('VerdictCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('keeps a verdict for the TTL, then forgets it', () => {
    const cache = new VerdictCache({ ttlSeconds: 30, now: clock });
    cache.set('h', allow);
    now += 29_999;
    expect(cache.get('h')).toBe(allow);
    now += 1;
    expect(cache.get('h')).toBeUndefined();
  });

  it('never keeps an allow past the key’s own expiry', () => {
    const cache = new VerdictCache({ ttlSeconds: 30, now: clock });
    cache.set('h', allow, now + 5_000);
    now += 5_000;
    expect(cache.get('h')).toBeUndefined();
    cache.set('gone', allow, now - 1);
    expect(cache.get('gone')).toBeUndefined();
  });

  it('is off at TTL 0 and bounded otherwise, oldest out first', () => {
    const off = new VerdictCache({ ttlSeconds: 0, now: clock });
    off.set('h', allow);
    expect(off.get('h')).toBeUndefined();
    const small = new VerdictCache({ ttlSeconds: 30, maxEntries: 2, now: clock });
    small.set('a', allow);
    small.set('b', allow);
    small.set('c', allow);
    expect([small.get('a'), small.get('b'), small.get('c')]).toEqual([undefined, allow, allow]);
    expect(small.size).toBe(2);
  });

  it('keys by a digest, never by the header itself', () => {
    const header = 'Bearer uak_secret_material';
    expect(VerdictCache.keyOf(header)).not.toContain('uak_');
    expect(VerdictCache.keyOf(header)).toHaveLength(44);
  });
});

describe('the revocation delay split', () => {
  it('gives the two caches together never more than the setting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3600 }), (total) => {
        const { gatewaySeconds, instanceSeconds } = splitCacheTtl(total);
        return gatewaySeconds + instanceSeconds === total && gatewaySeconds >= instanceSeconds && instanceSeconds >= 0;
      }),
    );
    expect(splitCacheTtl(60)).toEqual({ gatewaySeconds: 30, instanceSeconds: 30 });
    expect(splitCacheTtl(0)).toEqual({ gatewaySeconds: 0, instanceSeconds: 0 });
  });
});

describe('KeyVerifier with a verdict cache', () => {
  const format = new KeyFormat('uak');
  const generated = format.generate();
  const stored = {
    keyId: generated.keyId,
    ownerId: 'alice',
    secretHash: hashSecret(generated.secret),
    name: 'n',
    scopes: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: 4_000_000_000,
  };

  it('reads the store once per TTL for a key, and not at all for garbage', async () => {
    let now = 1_000_000;
    let reads = 0;
    const verifier = new KeyVerifier({
      store: {
        getKey: () => {
          reads += 1;
          return Promise.resolve(stored);
        },
      },
      format,
      cache: new VerdictCache({ ttlSeconds: 10, now: () => now }),
      clock: () => new Date(now),
    });
    for (let i = 0; i < 5; i += 1) expect((await verifier.verify(`Bearer ${generated.key}`)).valid).toBe(true);
    expect(reads).toBe(1);
    now += 10_000;
    await verifier.verify(`Bearer ${generated.key}`);
    expect(reads).toBe(2);
    for (let i = 0; i < 5; i += 1) expect((await verifier.verify('Bearer garbage')).valid).toBe(false);
    expect(reads).toBe(2);
  });

  it('does not cache a fault', async () => {
    let calls = 0;
    const verifier = new KeyVerifier({
      store: {
        getKey: () => {
          calls += 1;
          return calls === 1 ? Promise.reject(new Error('DynamoDB down')) : Promise.resolve(stored);
        },
      },
      format,
      cache: new VerdictCache({ ttlSeconds: 10 }),
    });
    await expect(verifier.verify(`Bearer ${generated.key}`)).rejects.toThrow('DynamoDB down');
    expect((await verifier.verify(`Bearer ${generated.key}`)).valid).toBe(true);
  });
});
