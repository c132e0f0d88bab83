import { AssertionVerifier, VERIFIED_CACHE_SIZE } from '../../../lambdas/auth/assertion-verifier';
import { AssertionIssuer } from '../../../lambdas/domain/assertion-signer';
import { activeKey, publicJwks, rotatedKeySet, signingKeys } from '../../../lambdas/domain/signing-keys';
import { DependencyUnavailableError, InvalidAssertionError } from '../../../lambdas/domain/errors';

/**
 * The backend's verifier remembers an assertion that verified, by its exact text, until its `exp`:
 * repeats skip the ECDSA check, and nothing else changes (an expired, altered or unverifiable assertion
 * is refused as before, and the memory is bounded).
 */

const ISSUER = 'https://gw.example.com';
const AUDIENCE = 'https://be.example.com';
const LIFETIME_SECONDS = 60;
const set = rotatedKeySet(undefined, new Date());
const keys = signingKeys(set);
const ALICE = { sub: 'auth0|alice', keyId: 'key1', scopes: ['read'] };

const issuer = new AssertionIssuer({
  issuer: ISSUER,
  audience: AUDIENCE,
  lifetimeSeconds: LIFETIME_SECONDS,
  key: () => Promise.resolve(activeKey(keys, Date.now())),
  now: () => Date.now(),
});

/** A verifier holding the JWKS, and a spy on the signature verification it delegates to aws-jwt-verify. */
function verifierWith(options: { verifiedCacheSize?: number; jwks?: boolean } = {}) {
  const verifier = new AssertionVerifier({ issuer: ISSUER, audience: AUDIENCE, verifiedCacheSize: options.verifiedCacheSize });
  if (options.jwks !== false) verifier.cacheJwks(publicJwks(set));
  const inner = (verifier as unknown as { verifier: { verify: (jwt: string) => Promise<unknown> } }).verifier;
  const fullChecks = jest.spyOn(inner, 'verify');
  return { verifier, fullChecks };
}

afterEach(() => {
  jest.useRealTimers();
});

describe('AssertionVerifier: verified assertions remembered until their exp', () => {
  it('checks the signature once for an assertion presented again, and answers the same', async () => {
    const { verifier, fullChecks } = verifierWith();
    const assertion = await issuer.issue(ALICE);
    const first = await verifier.verify(assertion);
    const again = await verifier.verify(assertion);
    expect(first).toEqual({ ...ALICE, kid: keys[0]!.kid });
    expect(again).toEqual(first);
    expect(fullChecks).toHaveBeenCalledTimes(1);
  });

  it('never accepts one past its exp: from exp on it is verified in full again, and refused once expired', async () => {
    const t0 = Date.parse('2026-06-01T12:00:00Z');
    jest.useFakeTimers({ now: t0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { verifier, fullChecks } = verifierWith();
    const assertion = await issuer.issue(ALICE);
    const expMs = t0 + LIFETIME_SECONDS * 1000;
    await verifier.verify(assertion);
    jest.setSystemTime(expMs - 1);
    await expect(verifier.verify(assertion)).resolves.toMatchObject(ALICE);
    expect(fullChecks).toHaveBeenCalledTimes(1);
    // At exp itself, no longer from memory: aws-jwt-verify still accepts it then, as it did before.
    jest.setSystemTime(expMs);
    await expect(verifier.verify(assertion)).resolves.toMatchObject(ALICE);
    expect(fullChecks).toHaveBeenCalledTimes(2);
    // A second past it: refused, every time, in full.
    jest.setSystemTime(expMs + 1000);
    await expect(verifier.verify(assertion)).rejects.toBeInstanceOf(InvalidAssertionError);
    await expect(verifier.verify(assertion)).rejects.toThrow('The gateway assertion has expired');
    expect(fullChecks).toHaveBeenCalledTimes(4);
  });

  it('verifies any other text in full: one character changed is refused, its original still accepted', async () => {
    const { verifier, fullChecks } = verifierWith();
    const assertion = await issuer.issue(ALICE);
    await verifier.verify(assertion);
    const signature = assertion.slice(assertion.lastIndexOf('.') + 1);
    const altered = `${assertion.slice(0, assertion.lastIndexOf('.') + 1)}${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(verifier.verify(altered)).rejects.toThrow(InvalidAssertionError);
    // Claims changed under the same signature: refused too.
    const [header, , sig] = assertion.split('.');
    const mallory = Buffer.from(JSON.stringify({ ...ALICE, sub: 'auth0|mallory' })).toString('base64url');
    await expect(verifier.verify(`${header}.${mallory}.${sig}`)).rejects.toThrow(InvalidAssertionError);
    expect(fullChecks).toHaveBeenCalledTimes(3);
    await expect(verifier.verify(assertion)).resolves.toMatchObject(ALICE);
    expect(fullChecks).toHaveBeenCalledTimes(3);
  });

  it('remembers no failure: an assertion refused while the keys were unavailable verifies once they are', async () => {
    const { verifier, fullChecks } = verifierWith({ jwks: false });
    const assertion = await issuer.issue(ALICE);
    // No JWKS cached and its URL unreachable here: a dependency failure, not a verdict on the assertion.
    jest.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('offline'));
    await expect(verifier.verify(assertion)).rejects.toThrow(DependencyUnavailableError);
    verifier.cacheJwks(publicJwks(set));
    await expect(verifier.verify(assertion)).resolves.toMatchObject(ALICE);
    expect(fullChecks).toHaveBeenCalledTimes(2);
    jest.restoreAllMocks();
  });

  it('keeps at most verifiedCacheSize, the oldest going first', async () => {
    expect(VERIFIED_CACHE_SIZE).toBe(1000);
    const { verifier, fullChecks } = verifierWith({ verifiedCacheSize: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((keyId) => issuer.issue({ ...ALICE, keyId })));
    for (const assertion of [a!, b!, c!]) await verifier.verify(assertion);
    expect(fullChecks).toHaveBeenCalledTimes(3);
    await verifier.verify(c);
    await verifier.verify(b);
    expect(fullChecks).toHaveBeenCalledTimes(3);
    await verifier.verify(a); // pushed out by c
    expect(fullChecks).toHaveBeenCalledTimes(4);
    const size = (verifier as unknown as { verified: { size: number } }).verified.size;
    expect(size).toBe(2);
  });

  it('with verifiedCacheSize 0, verifies every one in full', async () => {
    const { verifier, fullChecks } = verifierWith({ verifiedCacheSize: 0 });
    const assertion = await issuer.issue(ALICE);
    await verifier.verify(assertion);
    await verifier.verify(assertion);
    expect(fullChecks).toHaveBeenCalledTimes(2);
  });

  it('hands out a frozen answer, so no caller can change what the next one is told', async () => {
    const { verifier } = verifierWith();
    const assertion = await issuer.issue(ALICE);
    const first = await verifier.verify(assertion);
    expect(() => {
      (first.scopes as string[]).push('admin');
    }).toThrow(TypeError);
    expect(() => {
      (first as { sub: string }).sub = 'auth0|mallory';
    }).toThrow(TypeError);
    await expect(verifier.verify(assertion)).resolves.toEqual({ ...ALICE, kid: keys[0]!.kid });
  });
});
