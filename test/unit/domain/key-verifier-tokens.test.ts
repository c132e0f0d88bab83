import { AccessTokens } from '../../../lambdas/domain/access-token';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { VerdictCache } from '../../../lambdas/domain/verdict-cache';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { singleTokenKey, STORMPATH_ID, STORMPATH_SECRET, basicHeader, aliceKeyItem } from '../../support/token-fixtures';

const START_MS = new Date('2026-06-01T12:00:00.000Z').getTime();
const START_S = START_MS / 1000;
const format = new KeyFormat('uak');
const { keySource } = singleTokenKey(new Date(START_MS));

const native = format.generate();

const storedKey = (overrides: Partial<StoredKey> = {}): StoredKey => aliceKeyItem(native, new Date(START_MS), overrides);

const stormpathKey = (overrides: Partial<StoredKey> = {}): StoredKey =>
  storedKey({ keyId: STORMPATH_ID, ownerId: 'auth0|bob', secretHash: hashSecret(STORMPATH_SECRET), name: 'imported', ...overrides });

let nowMs: number;
let store: InMemoryKeyStore;
let cache: VerdictCache;
const tokens = new AccessTokens('uak', keySource);

beforeEach(() => {
  nowMs = START_MS;
  store = new InMemoryKeyStore().seed(storedKey()).seed(stormpathKey());
  cache = new VerdictCache({ ttlSeconds: 300, now: () => nowMs });
});

/** A verifier sharing the test's clock with its cache; with the tokens unless told otherwise. */
function verifier(options: { withTokens?: boolean; cached?: boolean } = {}): KeyVerifier {
  return new KeyVerifier({
    store,
    format,
    clock: () => new Date(nowMs),
    ...(options.cached === false ? {} : { cache }),
    ...(options.withTokens === false ? {} : { tokens }),
  });
}

const mint = (overrides: { keyId?: string; scopes?: string[]; ttl?: number } = {}): Promise<string> =>
  tokens.mint({
    keyId: overrides.keyId ?? native.keyId,
    scopes: overrides.scopes ?? ['orders:read', 'orders:write'],
    expiresAt: Math.floor(nowMs / 1000) + (overrides.ttl ?? 3600),
  });

describe('KeyVerifier with access tokens', () => {
  it('allows a valid token for its key’s owner, with the token’s scopes', async () => {
    const token = await mint({ scopes: ['orders:read'] });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual({
      valid: true,
      ownerId: 'auth0|alice',
      keyId: native.keyId,
      scopes: ['orders:read'],
    });
    expect(store.getKeyCalls).toBe(1);
  });

  it('grants only the token’s scopes the key still has (scopes removed since are gone)', async () => {
    const token = await mint({ scopes: ['orders:read', 'orders:write'] });
    store.seed(storedKey({ scopes: ['orders:write', 'admin'] }));
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: true, scopes: ['orders:write'] });
  });

  it('allows a token for an imported Stormpath key', async () => {
    const token = await mint({ keyId: STORMPATH_ID });
    await expect(verifier().verify(`bearer ${token}`)).resolves.toMatchObject({ valid: true, ownerId: 'auth0|bob', keyId: STORMPATH_ID });
  });

  it('caches the verdict: a second use reads nothing', async () => {
    const token = await mint();
    const first = await verifier().verify(`Bearer ${token}`);
    nowMs += 10_000;
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual(first);
    expect(store.getKeyCalls).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('caches no longer than the token lives: past its expiry it is TOKEN_EXPIRED, even within the cache TTL', async () => {
    const token = await mint({ ttl: 60 });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: true });
    nowMs = START_MS + 59_999;
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: true });
    expect(store.getKeyCalls).toBe(1);
    nowMs = START_MS + 60_000;
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual({ valid: false, code: 'TOKEN_EXPIRED', keyId: native.keyId });
    expect(store.getKeyCalls).toBe(1);
  });

  it('caches no longer than the key lives, when it expires before the token', async () => {
    store.seed(storedKey({ expiresAt: START_S + 30 }));
    const token = await mint({ ttl: 3600 });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: true });
    nowMs = START_MS + 30_000;
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual({ valid: false, code: 'EXPIRED', keyId: native.keyId });
    expect(store.getKeyCalls).toBe(2);
  });

  it('refuses a tampered token as INVALID_TOKEN, with no read and nothing cached', async () => {
    const token = await mint();
    const tampered = [
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      token.replace(
        /\.([^.]+)\./,
        () => `.${Buffer.from(JSON.stringify({ v: 1, k: native.keyId, s: ['admin'], e: 9_999_999_999 })).toString('base64url')}.`,
      ),
      `uak_at_${'A'.repeat(43)}${token.slice(token.indexOf('.'))}`,
      `${token}x`,
    ];
    for (const candidate of tampered) {
      expect(candidate).not.toBe(token);
      await expect(verifier().verify(`Bearer ${candidate}`)).resolves.toEqual({ valid: false, code: 'INVALID_TOKEN' });
    }
    expect(store.getKeyCalls).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('refuses an expired token as TOKEN_EXPIRED, naming its key, with no read and nothing cached', async () => {
    const token = await mint({ ttl: 1 });
    nowMs += 1000;
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual({ valid: false, code: 'TOKEN_EXPIRED', keyId: native.keyId });
    expect(store.getKeyCalls).toBe(0);
    expect(cache.size).toBe(0);
  });

  it.each<[string, Partial<StoredKey>, string]>([
    ['revoked', { revokedAt: '2026-06-01T11:59:00.000Z' }, 'REVOKED'],
    ['disabled', { disabledAt: '2026-06-01T11:59:00.000Z' }, 'DISABLED'],
    ['expired', { expiresAt: START_S - 1 }, 'EXPIRED'],
    [
      'rotated past its grace period',
      { rotatedAt: '2026-05-01T00:00:00.000Z', replacedBy: format.generate().keyId, expiresAt: START_S - 60 },
      'EXPIRED',
    ],
  ])('refuses a valid token whose key is now %s, after the one read', async (_label, change, code) => {
    const token = await mint();
    store.seed(storedKey(change));
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toEqual({ valid: false, code, keyId: native.keyId });
    expect(store.getKeyCalls).toBe(1);
  });

  it('refuses a token whose key was revoked after it was cached, once the cache entry goes', async () => {
    const shortCache = new VerdictCache({ ttlSeconds: 5, now: () => nowMs });
    const checker = new KeyVerifier({ store, format, clock: () => new Date(nowMs), cache: shortCache, tokens });
    const token = await mint();
    await expect(checker.verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: true });
    store.seed(storedKey({ revokedAt: new Date(nowMs).toISOString() }));
    nowMs += 5000;
    await expect(checker.verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: false, code: 'REVOKED' });
  });

  it('refuses a token for a key that is gone as NOT_FOUND', async () => {
    const token = await mint({ keyId: format.generate().keyId });
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: false, code: 'NOT_FOUND' });
    expect(store.getKeyCalls).toBe(1);
  });

  it('signs an assertion for a token’s allow, for the key’s owner and the granted scopes', async () => {
    const issue = jest.fn(() => Promise.resolve('signed-assertion'));
    const checker = new KeyVerifier({ store, format, clock: () => new Date(nowMs), tokens, assertions: { issue } });
    const token = await mint({ scopes: ['orders:read'] });
    await expect(checker.verify(`Bearer ${token}`)).resolves.toMatchObject({ valid: true, assertion: 'signed-assertion' });
    expect(issue.mock.calls).toEqual([[{ sub: 'auth0|alice', keyId: native.keyId, scopes: ['orders:read'] }]]);
  });

  it('without tokens configured, refuses a token as MALFORMED with no read', async () => {
    const token = await mint();
    await expect(verifier({ withTokens: false }).verify(`Bearer ${token}`)).resolves.toEqual({ valid: false, code: 'MALFORMED' });
    expect(store.getKeyCalls).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('refuses a token sent as Basic credentials as MALFORMED with no read', async () => {
    const token = await mint();
    await expect(verifier().verify(basicHeader(native.keyId, token))).resolves.toEqual({ valid: false, code: 'MALFORMED' });
    expect(store.getKeyCalls).toBe(0);
  });
});

describe('KeyVerifier with imported Stormpath key pairs', () => {
  it('allows Basic base64(<id>:<secret>) when the stored hash matches, after one read', async () => {
    await expect(verifier({ cached: false }).verify(basicHeader(STORMPATH_ID, STORMPATH_SECRET))).resolves.toEqual({
      valid: true,
      ownerId: 'auth0|bob',
      keyId: STORMPATH_ID,
      scopes: ['orders:read', 'orders:write'],
    });
    expect(store.getKeyCalls).toBe(1);
  });

  it('refuses a wrong secret of the right shape as INVALID_SECRET, after one read', async () => {
    const wrong = `${STORMPATH_SECRET.slice(0, -1)}1`;
    await expect(verifier({ cached: false }).verify(basicHeader(STORMPATH_ID, wrong))).resolves.toEqual({
      valid: false,
      code: 'INVALID_SECRET',
      keyId: STORMPATH_ID,
    });
    expect(store.getKeyCalls).toBe(1);
  });

  it('refuses a revoked imported key as REVOKED', async () => {
    store.seed(stormpathKey({ revokedAt: '2026-05-01T00:00:00.000Z' }));
    await expect(verifier().verify(basicHeader(STORMPATH_ID, STORMPATH_SECRET))).resolves.toMatchObject({ valid: false, code: 'REVOKED' });
  });

  it.each([
    ['a 42-character secret', STORMPATH_ID, STORMPATH_SECRET.slice(1)],
    ['a 44-character secret', STORMPATH_ID, `${STORMPATH_SECRET}A`],
    ['a padded secret', STORMPATH_ID, `${STORMPATH_SECRET.slice(1)}=`],
    ['a base64url secret', STORMPATH_ID, STORMPATH_SECRET.replace(/\+/g, '-')],
    ['a secret with a space', STORMPATH_ID, STORMPATH_SECRET.replace('+', ' ')],
    ['an empty secret', STORMPATH_ID, ''],
    ['a lower-case id', STORMPATH_ID.toLowerCase(), STORMPATH_SECRET],
    ['a 24-character id', STORMPATH_ID.slice(1), STORMPATH_SECRET],
    ['a 26-character id', `${STORMPATH_ID}0`, STORMPATH_SECRET],
  ])('refuses %s as MALFORMED with no read', async (_label, id, secret) => {
    await expect(verifier().verify(basicHeader(id, secret))).resolves.toEqual({ valid: false, code: 'MALFORMED' });
    expect(store.getKeyCalls).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('refuses a Stormpath pair sent as Bearer as MALFORMED with no read', async () => {
    await expect(verifier().verify(`Bearer ${STORMPATH_ID}:${STORMPATH_SECRET}`)).resolves.toEqual({ valid: false, code: 'MALFORMED' });
    await expect(verifier().verify(`Bearer ${STORMPATH_SECRET}`)).resolves.toEqual({ valid: false, code: 'MALFORMED' });
    expect(store.getKeyCalls).toBe(0);
  });
});

describe('KeyVerifier with native keys, tokens configured or not', () => {
  it.each([true, false])('allows a native key (Bearer and Basic) after one read each (tokens: %s)', async (withTokens) => {
    const checker = verifier({ withTokens, cached: false });
    const allow = { valid: true, ownerId: 'auth0|alice', keyId: native.keyId, scopes: ['orders:read', 'orders:write'] };
    await expect(checker.verify(`Bearer ${native.key}`)).resolves.toEqual(allow);
    await expect(checker.verify(basicHeader(native.keyId, native.key))).resolves.toEqual(allow);
    expect(store.getKeyCalls).toBe(2);
  });

  it.each([true, false])('refuses a malformed native key with no read (tokens: %s)', async (withTokens) => {
    await expect(verifier({ withTokens }).verify(`Bearer ${native.key.slice(0, -1)}`)).resolves.toEqual({
      valid: false,
      code: 'MALFORMED',
    });
    await expect(verifier({ withTokens }).verify(undefined)).resolves.toEqual({ valid: false, code: 'MISSING' });
    expect(store.getKeyCalls).toBe(0);
  });

  it('caches a native key’s verdict as before: one read for two uses', async () => {
    await verifier().verify(`Bearer ${native.key}`);
    await verifier().verify(`Bearer ${native.key}`);
    expect(store.getKeyCalls).toBe(1);
  });
});
