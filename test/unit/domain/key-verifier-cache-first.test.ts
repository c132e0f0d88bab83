import { createHash } from 'node:crypto';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { VerdictCache } from '../../../lambdas/domain/verdict-cache';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const format = new KeyFormat('uak');

describe('KeyVerifier with a verdict cache: the cache is looked up before the header is parsed', () => {
  let store: InMemoryKeyStore;
  let cache: VerdictCache;
  let verifier: KeyVerifier;
  const alice = format.generate();

  beforeEach(() => {
    store = new InMemoryKeyStore();
    const stored: StoredKey = {
      keyId: alice.keyId,
      ownerId: 'auth0|alice',
      secretHash: hashSecret(alice.secret),
      name: 'ci',
      scopes: ['orders:read'],
      createdAt: NOW.toISOString(),
      expiresAt: NOW.getTime() / 1000 + 3600,
    };
    store.seed(stored);
    cache = new VerdictCache({ ttlSeconds: 30, now: () => NOW.getTime() });
    verifier = new KeyVerifier({ store, format, cache, clock: () => NOW });
  });

  it('keys the cache by the SHA-256 of the header, base64, as before', () => {
    const header = `Bearer ${alice.key}`;
    expect(VerdictCache.keyOf(header)).toBe(createHash('sha256').update(header).digest('base64'));
  });

  it('answers a repeat from the cache without parsing the header again', async () => {
    const parse = jest.spyOn(format, 'parse');
    await expect(verifier.verify(`Bearer ${alice.key}`)).resolves.toMatchObject({ valid: true });
    await expect(verifier.verify(`Bearer ${alice.key}`)).resolves.toMatchObject({ valid: true });
    expect([parse.mock.calls.length, store.getKeyCalls]).toEqual([1, 1]);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
    parse.mockRestore();
  });

  it('counts no miss for garbage, which is never cached (the hit-rate metric stays about real credentials)', async () => {
    for (const header of ['Bearer nope', 'Basic !!!', `Bearer ${alice.key.slice(0, -1)}x`, 'x'.repeat(10_000)]) {
      await expect(verifier.verify(header)).resolves.toMatchObject({ valid: false });
    }
    expect({ hits: cache.hits, misses: cache.misses, size: cache.size, reads: store.getKeyCalls }).toEqual({
      hits: 0,
      misses: 0,
      size: 0,
      reads: 0,
    });
  });

  it('never looks up, nor hashes, a header longer than any credential: it is refused by the parser', async () => {
    const keyOf = jest.spyOn(VerdictCache, 'keyOf');
    await expect(verifier.verify(`Bearer ${'a'.repeat(5000)}`)).resolves.toEqual({ valid: false, code: 'MALFORMED' });
    expect(keyOf).not.toHaveBeenCalled();
    keyOf.mockRestore();
  });
});
