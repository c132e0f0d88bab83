/**
 * Security tier: AccessTokenVerifier accepts nothing but a genuine Auth0 access
 * token for this API, signed RS256 by a key in the issuer's JWKS.
 *
 * Tokens come from test/support/tokens.ts; the JWKS is served in-process by a
 * counting fetcher, so every JWKS fetch is seen and nothing touches the network.
 */
import { randomUUID } from 'node:crypto';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JWK } from 'jose';
import { AccessTokenVerifier, type Principal } from '../../lambdas/auth/access-token-verifier';
import { seen } from '../support/domain-errors';
import {
  createTestVerifier,
  createTokenIssuer,
  DEFAULT_SUB,
  failingFetcher,
  jwksFetcher,
  servingText,
  type CountingFetcher,
  type TokenIssuer,
} from '../support/tokens';

let tokens: TokenIssuer;
let verifier: AccessTokenVerifier;
let fetcher: CountingFetcher;

beforeAll(async () => {
  tokens = await createTokenIssuer();
});

beforeEach(() => {
  ({ verifier, fetcher } = createTestVerifier(tokens));
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const b64json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const b64 = (text: string): string => Buffer.from(text).toString('base64url');

type Outcome =
  { readonly allowed: Pick<Principal, 'sub' | 'scopes'> } | { readonly status: number; readonly code: string; readonly message: string };

/** What the verifier makes of `Authorization: Bearer <token>`; any rejection other than a DomainError fails the test. */
async function outcomeOf(token: string, using: AccessTokenVerifier = verifier): Promise<Outcome> {
  try {
    const { sub, scopes } = await using.verify(`Bearer ${token}`);
    return { allowed: { sub, scopes } };
  } catch (error) {
    const { status, code, message } = seen(error);
    // Nothing of the token is ever echoed back.
    expect(message).not.toContain(token);
    for (const part of token.split('.').filter((p) => p.length >= 16)) expect(message).not.toContain(part);
    return { status, code, message };
  }
}

async function expectRefused(token: string, status: number, code: string, using: AccessTokenVerifier = verifier): Promise<void> {
  const outcome = await outcomeOf(token, using);
  expect(outcome).toMatchObject({ status, code });
}

const expectInvalid = (token: string, using?: AccessTokenVerifier) => expectRefused(token, 401, 'INVALID_TOKEN', using);

/** A verifier for `tokens`' issuer whose JWKS is served by `source`, with extra options. */
function verifierWith(source: { fetch: CountingFetcher['fetch'] }, options: { allowMachineTokens?: boolean; requiredScope?: string } = {}) {
  return new AccessTokenVerifier({
    issuer: tokens.issuer,
    audience: tokens.audience,
    jwksUri: tokens.jwksUri,
    jwksCache: new SimpleJwksCache({ fetcher: source }),
    ...options,
  });
}

describe('the genuine token (the control every attack is measured against)', () => {
  it('is allowed, as its sub, with one JWKS fetch', async () => {
    await expect(outcomeOf(await tokens.signToken())).resolves.toEqual({ allowed: { sub: DEFAULT_SUB, scopes: [] } });
    expect(fetcher.fetchCount).toBe(1);
  });
});

describe('forged signatures and algorithm tricks are refused with 401', () => {
  it.each([
    ['alg "none", no signature', () => tokens.unsignedToken()],
    [
      'alg "none" under the real kid with a made-up signature',
      () => tokens.unsignedToken({}, { kid: tokens.kid, signature: 'c2lnbmF0dXJl' }),
    ],
    ['alg "None"', () => `${b64json({ alg: 'None', typ: 'JWT', kid: tokens.kid })}.${b64json(tokens.defaultClaims())}.`],
    ['alg "NONE" with a signature', () => `${b64json({ alg: 'NONE', kid: tokens.kid })}.${b64json(tokens.defaultClaims())}.AAAA`],
    ['no alg at all', () => `${b64json({ typ: 'JWT', kid: tokens.kid })}.${b64json(tokens.defaultClaims())}.AAAA`],
  ])('%s', async (_label, forge) => {
    await expectInvalid(forge());
  });

  it('HS256 signed with the RSA public key as the HMAC secret (algorithm confusion)', async () => {
    await expectInvalid(await tokens.hmacWithPublicKeyToken());
  });

  it('HS256 with the RSA public key, against a JWKS whose keys name no alg', async () => {
    const bare = await createTokenIssuer({ jwksWithoutAlg: true });
    await expectInvalid(await bare.hmacWithPublicKeyToken(), createTestVerifier(bare).verifier);
  });

  it("RS384 in the header, signed with the RS256 key, under the RS256 kid (alg differs from the JWK's)", async () => {
    await expectInvalid(await tokens.signToken({}, { alg: 'RS384', keyOf: 'RS256' }));
  });

  it("RS256 in the header, under the kid of the JWK published for RS384 (alg differs from the JWK's)", async () => {
    await expectInvalid(await tokens.signToken({}, { alg: 'RS256', keyOf: 'RS384' }));
  });

  it('ES256, validly signed by a key in the JWKS: only RS256 is accepted', async () => {
    await expectInvalid(await tokens.signToken({}, { alg: 'ES256' }));
  });

  it('RS256 signed by a key outside the JWKS, under the real kid', async () => {
    await expectInvalid(await tokens.signToken({}, { untrustedKey: true, kid: tokens.kid }));
  });

  it('a payload swapped in after signing', async () => {
    const [header, , signature] = (await tokens.signToken()).split('.');
    await expectInvalid(`${header}.${b64json({ ...tokens.defaultClaims(), sub: 'auth0|admin' })}.${signature}`);
  });

  it('the signature of another genuine token', async () => {
    const [header, payload] = (await tokens.signToken({ sub: 'auth0|mallory' })).split('.');
    const [, , signature] = (await tokens.signToken()).split('.');
    await expectInvalid(`${header}.${payload}.${signature}`);
  });

  it('the signature stripped', async () => {
    const [header, payload] = (await tokens.signToken()).split('.');
    await expectInvalid(`${header}.${payload}.`);
  });
});

describe('kid tricks are refused with 401', () => {
  it('an unknown kid', async () => {
    await expectInvalid(await tokens.signToken({}, { kid: 'no-such-key' }));
  });

  it('no kid', async () => {
    await expectInvalid(await tokens.signToken({}, { kid: null }));
  });

  it.each([
    ['a numeric kid', 42],
    ['a kid that is an object', { kid: 'rs256-key' }],
    ['a kid that is an array', ['rs256-key']],
  ])('%s', async (_label, kid) => {
    await expectInvalid(`${b64json({ alg: 'RS256', typ: 'JWT', kid })}.${b64json(tokens.defaultClaims())}.AAAA`);
  });
});

describe('a flood of tokens with random kids cannot make the verifier hammer the JWKS endpoint', () => {
  const FLOOD = 200;
  let flood: string[];

  beforeAll(async () => {
    flood = await Promise.all(Array.from({ length: FLOOD }, () => tokens.signToken({}, { kid: randomUUID() })));
  });

  it(`${FLOOD} tokens one after another, cold cache: all refused, the JWKS fetched at most twice`, async () => {
    for (const token of flood) await expectInvalid(token);
    expect(fetcher.fetchCount).toBeLessThanOrEqual(2);
  });

  it(`${FLOOD} tokens at once, cold cache: all refused, the JWKS fetched at most twice`, async () => {
    const outcomes = await Promise.all(flood.map((token) => outcomeOf(token)));
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 401, code: 'INVALID_TOKEN' });
    expect(fetcher.fetchCount).toBeLessThanOrEqual(2);
  });

  it(`${FLOOD} tokens in waves of 20, after a genuine one warmed the cache: refused, at most twice in all, and genuine tokens still pass`, async () => {
    await expect(outcomeOf(await tokens.signToken())).resolves.toHaveProperty('allowed');
    for (let i = 0; i < FLOOD; i += 20) await Promise.all(flood.slice(i, i + 20).map((token) => expectInvalid(token)));
    expect(fetcher.fetchCount).toBeLessThanOrEqual(2);
    await expect(outcomeOf(await tokens.signToken({ sub: 'auth0|bob' }))).resolves.toEqual({
      allowed: { sub: 'auth0|bob', scopes: [] },
    });
    expect(fetcher.fetchCount).toBeLessThanOrEqual(2);
  });
});

describe('tokens whose claims do not hold are refused with 401', () => {
  it.each<[string, () => Promise<string>]>([
    ['expired a minute ago', () => tokens.signToken({ iat: nowSeconds() - 3600, exp: nowSeconds() - 60 })],
    ['expired long ago', () => tokens.signToken({ iat: 0, exp: 1 })],
    ['no exp', () => tokens.signToken({}, { omit: ['exp'] })],
    ['exp as a string far in the future', () => tokens.signToken({ exp: String(nowSeconds() + 3600) })],
    ['exp null', () => tokens.signToken({ exp: null })],
    ['nbf an hour ahead', () => tokens.signToken({ nbf: nowSeconds() + 3600 })],
    ['another issuer', () => tokens.signToken({ iss: 'https://evil.example.com/' })],
    ['the issuer without its trailing slash', () => tokens.signToken({ iss: tokens.issuer.replace(/\/$/, '') })],
    ['the issuer over http', () => tokens.signToken({ iss: tokens.issuer.replace('https:', 'http:') })],
    ['the issuer as a suffix of another host', () => tokens.signToken({ iss: 'https://example.eu.auth0.com.evil.com/' })],
    ['the issuer upper-cased', () => tokens.signToken({ iss: tokens.issuer.toUpperCase() })],
    ['no issuer', () => tokens.signToken({}, { omit: ['iss'] })],
    ['an issuer array holding the issuer', () => tokens.signToken({ iss: [tokens.issuer] })],
    [
      "an ID token: aud is the application's client id",
      () =>
        tokens.signToken({
          aud: 'k5u3o2fiAA8XweXEEX604KCwCjzjtMU6',
          nonce: 'n-0S6_WzA2Mj',
          azp: 'k5u3o2fiAA8XweXEEX604KCwCjzjtMU6',
          email: 'alice@example.com',
        }),
    ],
    [
      'an audience array without the API',
      () => tokens.signToken({ aud: ['k5u3o2fiAA8XweXEEX604KCwCjzjtMU6', 'https://example.eu.auth0.com/userinfo'] }),
    ],
    ['the audience with a trailing slash', () => tokens.signToken({ aud: `${tokens.audience}/` })],
    ['no audience', () => tokens.signToken({}, { omit: ['aud'] })],
    ['no sub', () => tokens.signToken({}, { omit: ['sub'] })],
    ['an empty sub', () => tokens.signToken({ sub: '' })],
    ['a numeric sub', () => tokens.signToken({ sub: 42 })],
    ['a null sub', () => tokens.signToken({ sub: null })],
    ['a sub that is an array', () => tokens.signToken({ sub: ['auth0|alice'] })],
  ])('%s', async (_label, sign) => {
    await expectInvalid(await sign());
  });
});

describe('a required scope', () => {
  beforeEach(() => {
    ({ verifier, fetcher } = createTestVerifier(tokens, { requiredScope: 'keys:manage' }));
  });

  it('(control) a token granted it is allowed', async () => {
    await expect(outcomeOf(await tokens.signToken({ scope: 'openid keys:manage' }))).resolves.toHaveProperty('allowed');
  });

  it.each<[string, Record<string, unknown>]>([
    ['no scope claim', {}],
    ['other scopes only', { scope: 'openid profile' }],
    ['a longer scope that starts with it', { scope: 'keys:manage:all' }],
    ['a scope that ends with it', { scope: 'admin:keys:manage' }],
    ['the scope in upper case', { scope: 'KEYS:MANAGE' }],
    ['the scope under "scp"', { scp: 'keys:manage' }],
    ['scopes joined by commas', { scope: 'openid,keys:manage' }],
  ])('missing (%s) → 403 INSUFFICIENT_SCOPE', async (_label, claims) => {
    await expectRefused(await tokens.signToken(claims), 403, 'INSUFFICIENT_SCOPE');
  });

  it('a scope claim that is an array rather than a space-delimited string is not a grant (refused, 401)', async () => {
    await expectInvalid(await tokens.signToken({ scope: ['keys:manage'] }));
  });
});

describe('malformed tokens are refused with 401', () => {
  const claims = () => b64json(tokens.defaultClaims());
  const header = () => b64json({ alg: 'RS256', typ: 'JWT', kid: tokens.kid });

  it.each<[string, () => string]>([
    ['one segment', () => header()],
    ['two segments', () => `${header()}.${claims()}`],
    ['four segments', () => `${header()}.${claims()}.AAAA.AAAA`],
    ['empty segments', () => '..'],
    ['a header that is not base64url JSON', () => `${b64('{"alg":"RS256",')}.${claims()}.AAAA`],
    ['a payload that is not JSON', () => `${header()}.${b64('sub=auth0|alice')}.AAAA`],
    ['a payload that is JSON null', () => `${header()}.${b64('null')}.AAAA`],
    ['a payload that is a JSON array', () => `${header()}.${b64('[]')}.AAAA`],
    ['a header that is a JSON string', () => `${b64('"RS256"')}.${claims()}.AAAA`],
    ['base64 with padding', () => `${header()}==.${claims()}.AAAA`],
    ['standard base64 characters', () => `${header()}.${claims()}.ab+/cd`],
    ['invalid UTF-8 in the payload', () => `${header()}.${Buffer.from([0xc3, 0x28, 0xff]).toString('base64url')}.AAAA`],
    ['a signature that is not base64url', () => `${header()}.${claims()}.!!!!`],
    ['whitespace inside the token', () => `${header()}. ${claims()}.AAAA`],
  ])('%s', async (_label, forge) => {
    await expectInvalid(forge());
  });

  it('an oversized token (over 8 KB), validly signed, is refused before any JWKS fetch', async () => {
    const token = await tokens.signToken({ pad: 'x'.repeat(9 * 1024) });
    expect(token.length).toBeGreaterThan(8 * 1024);
    await expectInvalid(token);
    expect(fetcher.fetchCount).toBe(0);
  });

  it('a 1 MB token is refused before any JWKS fetch', async () => {
    await expectInvalid(`${header()}.${'A'.repeat(1024 * 1024)}.AAAA`);
    expect(fetcher.fetchCount).toBe(0);
  });
});

describe('when the JWKS cannot be had, nothing is allowed', () => {
  it('the JWKS endpoint is down → 503 IDP_UNAVAILABLE', async () => {
    const down = failingFetcher();
    await expectRefused(await tokens.signToken(), 503, 'IDP_UNAVAILABLE', verifierWith(down));
    expect(down.fetchCount).toBe(1);
  });

  it('the JWKS endpoint answers an HTTP error (non-retryable) → 503 IDP_UNAVAILABLE', async () => {
    const erroring: CountingFetcher = {
      fetchedUris: [],
      fetchCount: 0,
      fetch: (uri: string) => Promise.reject(new NonRetryableFetchError(uri, 'Status code is 500, expected 200')),
    };
    await expectRefused(await tokens.signToken(), 503, 'IDP_UNAVAILABLE', verifierWith(erroring));
  });

  describe('the JWKS endpoint serves junk → 401 or 503, never allowed', () => {
    const rs256 = (): JWK => tokens.jwks.keys.find((k) => k.kid === tokens.kid)!;
    const rs384 = (): JWK => tokens.jwks.keys.find((k) => k.alg === 'RS384')!;

    it.each<[string, () => string]>([
      ['an HTML maintenance page', () => '<html><body>maintenance</body></html>'],
      ['an empty body', () => ''],
      ['JSON null', () => 'null'],
      ['a JSON array of keys', () => JSON.stringify(tokens.jwks.keys)],
      ['JSON without keys', () => '{}'],
      ['keys that is an object', () => JSON.stringify({ keys: { [tokens.kid]: rs256() } })],
      ['keys that is a string', () => '{"keys":"rs256-key"}'],
      ['no keys in the set', () => '{"keys":[]}'],
      ['a key whose kty is a number', () => JSON.stringify({ keys: [{ ...rs256(), kty: 1 }] })],
      ['a key with no kty', () => JSON.stringify({ keys: [{ ...rs256(), kty: undefined }] })],
      ['a key with no modulus', () => JSON.stringify({ keys: [{ ...rs256(), n: undefined }] })],
      ['a key with an empty modulus', () => JSON.stringify({ keys: [{ ...rs256(), n: '' }] })],
      ['a key with no exponent', () => JSON.stringify({ keys: [{ ...rs256(), e: undefined }] })],
      ['a key for encryption, not signatures', () => JSON.stringify({ keys: [{ ...rs256(), use: 'enc' }] })],
      ['a key whose alg is a number', () => JSON.stringify({ keys: [{ ...rs256(), alg: 256 }] })],
      ['a key whose alg is "none"', () => JSON.stringify({ keys: [{ ...rs256(), alg: 'none' }] })],
      ["another key's modulus under the right kid", () => JSON.stringify({ keys: [{ ...rs256(), n: rs384().n }] })],
      ['an HMAC key under the right kid', () => JSON.stringify({ keys: [{ kty: 'oct', kid: tokens.kid, alg: 'HS256', k: 'c2VjcmV0' }] })],
      ['a modulus that is not base64url', () => JSON.stringify({ keys: [{ ...rs256(), n: '!!!not-base64!!!' }] })],
    ])('%s', async (_label, body) => {
      const outcome = await outcomeOf(await tokens.signToken(), verifierWith(servingText(body())));
      expect(outcome).not.toHaveProperty('allowed');
      expect([401, 503]).toContain((outcome as { status: number }).status);
    });
  });

  describe('the JWKS endpoint is slow (fake clock)', () => {
    beforeEach(() => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'Date', 'hrtime', 'performance'] });
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    /** Settles a promise into an observable state, without awaiting it. */
    function watch<T>(promise: Promise<T>): { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } {
      const watched: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
      promise.then(
        (value) => Object.assign(watched, { state: 'resolved', value }),
        (error: unknown) => Object.assign(watched, { state: 'rejected', error }),
      );
      return watched;
    }

    it('a fetch that times out after 3 s → 503 IDP_UNAVAILABLE once it does, nothing allowed before', async () => {
      const slow: CountingFetcher = {
        fetchedUris: [],
        fetchCount: 0,
        fetch: (uri: string) =>
          new Promise<ArrayBuffer>((_resolve, reject) => {
            setTimeout(() => {
              reject(new FetchError(uri, 'Response time-out (after 3000 ms.)'));
            }, 3000);
          }),
      };
      const token = await tokens.signToken();
      const pending = watch(verifierWith(slow).verify(`Bearer ${token}`));
      await jest.advanceTimersByTimeAsync(2999);
      expect(pending.state).toBe('pending');
      await jest.advanceTimersByTimeAsync(1);
      expect(pending.state).toBe('rejected');
      expect(seen(pending.error)).toMatchObject({ status: 503, code: 'IDP_UNAVAILABLE' });
    });

    it('a fetch that fails with a plain error after a delay is refused, never allowed', async () => {
      const flaky: CountingFetcher = {
        fetchedUris: [],
        fetchCount: 0,
        fetch: () =>
          new Promise<ArrayBuffer>((_resolve, reject) =>
            setTimeout(() => {
              reject(new Error('socket hang up'));
            }, 500),
          ),
      };
      const pending = watch(verifierWith(flaky).verify(`Bearer ${await tokens.signToken()}`));
      await jest.advanceTimersByTimeAsync(500);
      expect(pending.state).toBe('rejected');
      expect([401, 503]).toContain(seen(pending.error).status);
    });

    it('a fetch that never answers never allows, however long the request waits', async () => {
      const hung: CountingFetcher = { fetchedUris: [], fetchCount: 0, fetch: () => new Promise<ArrayBuffer>(() => undefined) };
      const pending = watch(verifierWith(hung).verify(`Bearer ${await tokens.signToken()}`));
      await jest.advanceTimersByTimeAsync(15 * 60 * 1000);
      expect(pending.state).not.toBe('resolved');
    });
  });
});

describe('machine-to-machine tokens (Auth0 client credentials) may not manage keys unless allowed', () => {
  const CLIENT_ID = 'k5u3o2fiAA8XweXEEX604KCwCjzjtMU6';
  const machineClaims = { sub: `${CLIENT_ID}@clients`, gty: 'client-credentials', azp: CLIENT_ID, scope: 'keys:manage' };

  it('by default → 403 MACHINE_TOKEN', async () => {
    await expectRefused(await tokens.signToken(machineClaims), 403, 'MACHINE_TOKEN');
  });

  it('with allowMachineTokens: false → 403 MACHINE_TOKEN', async () => {
    await expectRefused(
      await tokens.signToken(machineClaims),
      403,
      'MACHINE_TOKEN',
      verifierWith(jwksFetcher(tokens.jwks), { allowMachineTokens: false }),
    );
  });

  it('even when it carries the required scope → 403 MACHINE_TOKEN', async () => {
    const scoped = verifierWith(jwksFetcher(tokens.jwks), { requiredScope: 'keys:manage' });
    await expectRefused(await tokens.signToken(machineClaims), 403, 'MACHINE_TOKEN', scoped);
  });

  it.each<[string, Record<string, unknown>]>([
    ['gty client-credentials with a person-like sub', { gty: 'client-credentials', sub: 'auth0|alice' }],
    ['a sub ending in @clients without gty', { sub: `${CLIENT_ID}@clients` }],
  ])('either mark alone → 403 MACHINE_TOKEN (%s)', async (_label, claims) => {
    await expectRefused(await tokens.signToken(claims), 403, 'MACHINE_TOKEN');
  });

  it('a person whose sub merely contains "@clients" is not mistaken for a machine', async () => {
    await expect(outcomeOf(await tokens.signToken({ sub: 'auth0|bob@clients.example.com' }))).resolves.toEqual({
      allowed: { sub: 'auth0|bob@clients.example.com', scopes: [] },
    });
  });

  it('a machine token that is also invalid is a 401, not a 403', async () => {
    await expectInvalid(await tokens.signToken({ ...machineClaims, exp: nowSeconds() - 60 }));
    await expectInvalid(await tokens.signToken(machineClaims, { untrustedKey: true }));
  });

  it('with allowMachineTokens: true, a genuine machine token is allowed as its client', async () => {
    const permissive = verifierWith(jwksFetcher(tokens.jwks), { allowMachineTokens: true });
    await expect(outcomeOf(await tokens.signToken(machineClaims), permissive)).resolves.toEqual({
      allowed: { sub: `${CLIENT_ID}@clients`, scopes: ['keys:manage'] },
    });
  });

  it('with allowMachineTokens: true, a forged or expired machine token is still refused', async () => {
    const permissive = verifierWith(jwksFetcher(tokens.jwks), { allowMachineTokens: true });
    await expectInvalid(await tokens.signToken(machineClaims, { untrustedKey: true }), permissive);
    await expectInvalid(await tokens.signToken({ ...machineClaims, exp: nowSeconds() - 60 }), permissive);
    await expectInvalid(tokens.unsignedToken(machineClaims, { kid: tokens.kid }), permissive);
  });
});
