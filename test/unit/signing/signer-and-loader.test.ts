import { createPublicKey, verify } from 'node:crypto';
import { AssertionIssuer, signEs256Jwt } from '../../../lambdas/domain/assertion-signer';
import { SigningKeyLoader } from '../../../lambdas/domain/signing-key-loader';
import {
  activeKey,
  KEY_ACTIVATION_DELAY_MS,
  parseSigningKeySet,
  publicJwks,
  rotatedKeySet,
  signingKeys,
  thumbprint,
  type SigningKeySet,
} from '../../../lambdas/domain/signing-keys';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const decode = (part: string): any => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('signEs256Jwt', () => {
  const set = rotatedKeySet(undefined, NOW);
  const key = signingKeys(set)[0]!;

  it('writes a compact ES256 JWS whose raw r||s signature verifies against the published JWK', () => {
    const claims = { iss: 'https://gw', aud: 'https://be', sub: 'alice', keyId: 'k', scopes: ['read'], iat: 1, exp: 2 };
    const jwt = signEs256Jwt(claims, key);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    expect(decode(header)).toEqual({ alg: 'ES256', typ: 'JWT', kid: key.kid });
    expect(decode(payload)).toEqual(claims);
    // 64 bytes: IEEE P1363 (r||s), as RFC 7518 §3.4 requires, not DER.
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    const publicKey = createPublicKey({ key: { ...publicJwks(set).keys[0]! }, format: 'jwk' });
    expect(
      verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);
  });

  it('AssertionIssuer sets iss, aud, iat and exp = iat + the lifetime', async () => {
    const issuer = new AssertionIssuer({
      issuer: 'https://gw',
      audience: 'https://be',
      lifetimeSeconds: 120,
      key: () => Promise.resolve(key),
      now: () => NOW.getTime(),
    });
    const claims = decode((await issuer.issue({ sub: 'alice', keyId: 'k1', scopes: ['read'] })).split('.')[1]!);
    const iat = NOW.getTime() / 1000;
    expect(claims).toEqual({ iss: 'https://gw', aud: 'https://be', sub: 'alice', keyId: 'k1', scopes: ['read'], iat, exp: iat + 120 });
  });

  it('AssertionIssuer rejects when there is no key (the authorizer then fails closed)', async () => {
    const issuer = new AssertionIssuer({ issuer: 'i', audience: 'a', lifetimeSeconds: 60, key: () => Promise.reject(new Error('no key')) });
    await expect(issuer.issue({ sub: 's', keyId: 'k', scopes: [] })).rejects.toThrow('no key');
  });
});

describe('signing key sets', () => {
  it('a rotation keeps the previous newest key published, and the new one waits an hour before signing', () => {
    const first = rotatedKeySet(undefined, NOW);
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]!.activeFrom).toBe(NOW.toISOString()); // the first key signs at once
    const later = new Date(NOW.getTime() + 30 * 86_400_000);
    const second = rotatedKeySet(first, later);
    const third = rotatedKeySet(second, new Date(later.getTime() + 30 * 86_400_000));
    expect(second.keys.map((k) => k.kid)).toEqual([second.keys[0]!.kid, first.keys[0]!.kid]);
    expect(third.keys.map((k) => k.kid)).toEqual([third.keys[0]!.kid, second.keys[0]!.kid]);
    const keys = signingKeys(second);
    expect(activeKey(keys, later.getTime()).kid).toBe(first.keys[0]!.kid);
    expect(activeKey(keys, later.getTime() + KEY_ACTIVATION_DELAY_MS).kid).toBe(second.keys[0]!.kid);
  });

  it('publishes public members only, with the RFC 7638 thumbprint as kid', () => {
    const set = rotatedKeySet(undefined, NOW);
    const jwk = publicJwks(set).keys[0]!;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk.kid).toBe(thumbprint(jwk));
  });

  it.each([
    ['no value', undefined],
    ['the placeholder the secret is created with', 'x8#Jd0q!Zr'],
    ['an empty set', '{"v":1,"keys":[]}'],
    ['a mixed-up key', JSON.stringify({ v: 1, keys: [{ ...rotatedKeySet(undefined, NOW).keys[0], kid: 'abc' }] })],
  ])('refuses %s, naming no part of the value', (_name, text) => {
    let message = '';
    try {
      parseSigningKeySet(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^the secret/);
    if (text !== undefined) expect(message).not.toContain(text.slice(0, 8));
  });
});

describe('SigningKeyLoader', () => {
  const set = rotatedKeySet(undefined, NOW);

  it('loads once and reuses the keys: no read per signature', async () => {
    const load = jest.fn(() => Promise.resolve(set));
    const loader = new SigningKeyLoader({ load, now: () => NOW.getTime() });
    loader.prime();
    await Promise.all([loader.key(), loader.key(), loader.key()]);
    await loader.key();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('fails closed while the keys cannot be loaded, does not remember the failure, and retries on the next call', async () => {
    const load = jest
      .fn<Promise<SigningKeySet>, []>()
      .mockRejectedValueOnce(new Error('AccessDenied'))
      .mockRejectedValueOnce(new Error('throttled'))
      .mockResolvedValue(set);
    const loader = new SigningKeyLoader({ load, now: () => NOW.getTime() });
    loader.prime(); // the cold start's attempt fails; nothing is thrown at init
    await new Promise((resolve) => setImmediate(resolve));
    await expect(loader.key()).rejects.toThrow('throttled');
    await expect(loader.key()).resolves.toMatchObject({ kid: set.keys[0]!.kid });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('a warm instance reloads hourly off the hot path, keeping its keys if the reload fails, until they are too old', async () => {
    let now = NOW.getTime();
    const rotated = rotatedKeySet(set, new Date(now));
    const load = jest
      .fn<Promise<SigningKeySet>, []>()
      .mockResolvedValueOnce(set)
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValueOnce(rotated)
      .mockRejectedValue(new Error('down'));
    const onRefreshError = jest.fn();
    const loader = new SigningKeyLoader({ load, now: () => now, refreshAfterMs: 3_600_000, maxAgeMs: 6 * 3_600_000, onRefreshError });
    await loader.key();
    now += 3_600_000;
    await expect(loader.key()).resolves.toMatchObject({ kid: set.keys[0]!.kid }); // answered at once; the reload runs behind it
    await new Promise((resolve) => setImmediate(resolve));
    expect(onRefreshError).toHaveBeenCalledTimes(1);
    await loader.key(); // tries again, and gets the rotated set
    await new Promise((resolve) => setImmediate(resolve));
    now += KEY_ACTIVATION_DELAY_MS;
    expect((await loader.key()).kid).toBe(rotated.keys[0]!.kid);
    // From now every reload fails: after maxAgeMs the keys are no longer used, and key() rejects.
    now += 7 * 3_600_000;
    await expect(loader.key()).rejects.toThrow('down');
  });
});
