import { AccessTokenVerifier } from '../../../lambdas/auth/access-token-verifier';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { AccessDeniedError, AuthenticationError, DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { rejection, type SeenError } from '../../support/domain-errors';
import {
  createTestVerifier,
  createTokenIssuer,
  DEFAULT_SUB,
  failingFetcher,
  jwksFetcher,
  type CountingFetcher,
  type TokenIssuer,
} from '../../support/tokens';

const MAX_TOKEN_LENGTH = 8192;

let tokens: TokenIssuer;
let verifier: AccessTokenVerifier;
let fetcher: CountingFetcher;

beforeAll(async () => {
  tokens = await createTokenIssuer();
});

beforeEach(() => {
  ({ verifier, fetcher } = createTestVerifier(tokens));
});

/** Every message in the error's cause chain, as a handler would log them. */
function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  return messages;
}

/** Neither the token nor any sizeable part of it appears in the error or its causes. */
function expectNoTokenIn(error: unknown, token: string): void {
  const text = messagesOf(error).join('\n');
  expect(text).not.toContain(token);
  for (const part of token.split('.').filter((p) => p.length >= 16)) {
    expect(text).not.toContain(part);
  }
}

async function expectUnauthorized(token: string, code = 'INVALID_TOKEN'): Promise<SeenError> {
  const error = await rejection(verifier.verify(`Bearer ${token}`));
  expect(error.error).toBeInstanceOf(AuthenticationError);
  expect(error.status).toBe(401);
  expect(error.code).toBe(code);
  expectNoTokenIn(error.error, token);
  return error;
}

/**
 * A validly signed RS256 token exactly `length` characters long, the padding
 * claim tuned to size. Base64url cannot give every length for a fixed header,
 * so a second header (typ "JOSE", one byte longer) covers the lengths the first misses.
 */
async function tokenOfLength(length: number): Promise<string> {
  for (const typ of ['JWT', 'JOSE']) {
    let padding = length - 800;
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const token = await tokens.signToken({ pad: 'x'.repeat(Math.max(0, padding)) }, { typ });
      if (token.length === length) return token;
      padding += Math.trunc(((length - token.length) * 3) / 4) || Math.sign(length - token.length);
    }
  }
  throw new Error(`Could not build a token of exactly ${length} characters`);
}

describe('AccessTokenVerifier accepts a valid Auth0 access token', () => {
  it('returns the sub and the scopes split from the scope claim', async () => {
    const token = await tokens.signToken({ sub: 'auth0|carol', scope: 'keys:read  keys:write openid' });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({
      sub: 'auth0|carol',
      scopes: ['keys:read', 'keys:write', 'openid'],
      machine: false,
      issuedAt: expect.any(Number),
    });
  });

  it('returns no scopes when the token has no scope claim', async () => {
    const token = await tokens.signToken();
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({
      sub: DEFAULT_SUB,
      scopes: [],
      machine: false,
      issuedAt: expect.any(Number),
    });
  });

  it("returns Auth0 RBAC's permissions claim when it is a list of strings, and nothing for any other shape", async () => {
    const withPermissions = await tokens.signToken({ permissions: ['keys:admin', 'read'], scope: 'read' });
    await expect(verifier.verify(`Bearer ${withPermissions}`)).resolves.toMatchObject({
      permissions: ['keys:admin', 'read'],
      scopes: ['read'],
    });
    for (const permissions of ['keys:admin', [1], { 0: 'keys:admin' }, null]) {
      const odd = await tokens.signToken({ permissions });
      expect(await verifier.verify(`Bearer ${odd}`)).not.toHaveProperty('permissions');
    }
  });

  it('says which tokens are machine-to-machine ones, and when a token was issued', async () => {
    const machineVerifier = createTestVerifier(tokens, { allowMachineTokens: true }).verifier;
    const machine = await tokens.signToken({ sub: 'client@clients', gty: 'client-credentials', azp: 'client' });
    await expect(machineVerifier.verify(`Bearer ${machine}`)).resolves.toMatchObject({ machine: true });
    // A person whose id merely ends so (a custom database, an enterprise connection) is no machine: their scope is self-requested.
    for (const claims of [
      { sub: 'alice@clients' },
      { sub: 'alice@clients', gty: 'client-credentials' },
      { sub: 'a@clients', gty: 'client-credentials', azp: 'b' },
    ]) {
      await expect(machineVerifier.verify(`Bearer ${await tokens.signToken(claims)}`)).resolves.toMatchObject({ machine: false });
    }
    const issued = await tokens.signToken({ iat: 1_700_000_000 });
    await expect(verifier.verify(`Bearer ${issued}`)).resolves.toMatchObject({ issuedAt: 1_700_000_000, machine: false });
  });

  it('accepts the scheme name in any case', async () => {
    const token = await tokens.signToken();
    await expect(verifier.verify(`bearer ${token}`)).resolves.toMatchObject({ sub: DEFAULT_SUB });
  });

  it('accepts an audience array that contains the API audience', async () => {
    const token = await tokens.signToken({ aud: ['https://other.example.com', tokens.audience] });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ sub: DEFAULT_SUB });
  });

  it('fetches the JWKS once, from the configured URI, and reuses it', async () => {
    for (const sub of ['auth0|a', 'auth0|b', 'auth0|c']) {
      await verifier.verify(`Bearer ${await tokens.signToken({ sub })}`);
    }
    expect(fetcher.fetchedUris).toEqual([tokens.jwksUri]);
  });

  it("defaults the JWKS URI to the issuer's /.well-known/jwks.json", async () => {
    const defaultFetcher = jwksFetcher(tokens.jwks);
    const defaultVerifier = new AccessTokenVerifier({
      issuer: tokens.issuer,
      audience: tokens.audience,
      jwksCache: new SimpleJwksCache({ fetcher: defaultFetcher }),
    });
    await defaultVerifier.verify(`Bearer ${await tokens.signToken()}`);
    expect(defaultFetcher.fetchedUris).toEqual(['https://example.eu.auth0.com/.well-known/jwks.json']);
  });

  it(`accepts a token of exactly ${MAX_TOKEN_LENGTH} characters`, async () => {
    const token = await tokenOfLength(MAX_TOKEN_LENGTH);
    expect(token.length).toBe(MAX_TOKEN_LENGTH);
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ sub: DEFAULT_SUB });
  });
});

describe('AccessTokenVerifier refuses with 401 when the Authorization header is unusable', () => {
  it.each([
    ['absent', undefined],
    ['empty', ''],
  ])('%s header → MISSING_TOKEN', async (_label, header) => {
    const error = await rejection(verifier.verify(header));
    expect(error.error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'MISSING_TOKEN' });
    expect(fetcher.fetchCount).toBe(0);
  });

  it.each([
    ['another scheme', (token: string) => `Basic ${token}`],
    ['no scheme', (token: string) => token],
    ['the scheme alone', () => 'Bearer'],
    ['the scheme and a blank', () => 'Bearer '],
    ['two spaces after the scheme', (token: string) => `Bearer  ${token}`],
    ['a trailing space', (token: string) => `Bearer ${token} `],
    ['two tokens', (token: string) => `Bearer ${token} ${token}`],
    ['characters outside base64url', (token: string) => `Bearer ${token}+/=`],
  ])('not "Bearer <token>" (%s) → INVALID_TOKEN, without fetching the JWKS', async (_label, makeHeader) => {
    const token = await tokens.signToken();
    const error = await rejection(verifier.verify(makeHeader(token)));
    expect(error.error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'INVALID_TOKEN' });
    expectNoTokenIn(error.error, token);
    expect(fetcher.fetchCount).toBe(0);
  });

  it(`refuses a validly signed token of ${MAX_TOKEN_LENGTH + 1} characters before any verification`, async () => {
    const token = await tokenOfLength(MAX_TOKEN_LENGTH + 1);
    expect(token.length).toBe(MAX_TOKEN_LENGTH + 1);
    const error = await expectUnauthorized(token);
    expect(error.message).toBe('Authorization must be "Bearer <access token>"');
    expect(fetcher.fetchCount).toBe(0);
  });

  it('refuses a 100 KB token', async () => {
    await expectUnauthorized(await tokens.signToken({ pad: 'x'.repeat(100 * 1024) }));
    expect(fetcher.fetchCount).toBe(0);
  });
});

describe('AccessTokenVerifier refuses forged and malformed tokens with 401', () => {
  it('alg "none" with an empty signature', async () => {
    await expectUnauthorized(tokens.unsignedToken());
  });

  it('alg "none" with a known kid and a made-up signature', async () => {
    await expectUnauthorized(tokens.unsignedToken({}, { kid: tokens.kid, signature: 'c2lnbmF0dXJl' }));
  });

  it('HS256 signed with the RSA public key as the HMAC secret (algorithm confusion)', async () => {
    await expectUnauthorized(await tokens.hmacWithPublicKeyToken());
  });

  it('RS256 signed by a key that is not in the JWKS, under the real kid', async () => {
    await expectUnauthorized(await tokens.signToken({}, { untrustedKey: true, kid: tokens.kid }));
  });

  it('a kid that is not in the JWKS', async () => {
    await expectUnauthorized(await tokens.signToken({}, { kid: 'unknown-kid' }));
  });

  it('no kid in the header', async () => {
    await expectUnauthorized(await tokens.signToken({}, { kid: null }));
  });

  it('a payload altered after signing', async () => {
    const token = await tokens.signToken({ sub: 'auth0|alice' });
    const [header = '', , signature = ''] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...tokens.defaultClaims(), sub: 'auth0|admin' })).toString('base64url');
    await expectUnauthorized(`${header}.${forgedPayload}.${signature}`);
  });

  it.each([
    ['one segment', 'abcdef'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['empty segments', '..'],
    ['base64 that is not JSON', `${Buffer.from('not json').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`],
    ['a header that is a JSON array', `${Buffer.from('[1]').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`],
    [
      'a payload that is a JSON string',
      `${Buffer.from('{"alg":"RS256","kid":"rs256-key"}').toString('base64url')}.${Buffer.from('"x"').toString('base64url')}.c2ln`,
    ],
    [
      'random bytes',
      `${Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64url')}.${Buffer.from([0xc3, 0x28]).toString('base64url')}.AAAA`,
    ],
  ])('garbage: %s', async (_label, garbage) => {
    await expectUnauthorized(garbage);
  });

  it.each([
    ['RS384', 'RS384' as const],
    ['ES256', 'ES256' as const],
  ])('a %s token, though validly signed by a key in the JWKS: only RS256 is allowed', async (_label, alg) => {
    const token = await tokens.signToken({}, { alg });
    const error = await expectUnauthorized(token);
    expect(error.message).toBe('Access token must be signed with RS256');
  });
});

describe('AccessTokenVerifier against a JWKS whose keys do not name their alg', () => {
  let bareTokens: TokenIssuer;

  beforeAll(async () => {
    bareTokens = await createTokenIssuer({ jwksWithoutAlg: true });
  });

  beforeEach(() => {
    ({ verifier, fetcher } = createTestVerifier(bareTokens));
  });

  it('still accepts RS256', async () => {
    await expect(verifier.verify(`Bearer ${await bareTokens.signToken()}`)).resolves.toMatchObject({ sub: DEFAULT_SUB });
  });

  it('refuses RS384 signed with the RS256 key: its own rule, not the JWK, enforces RS256', async () => {
    const token = await bareTokens.signToken({}, { alg: 'RS384', keyOf: 'RS256' });
    const error = await expectUnauthorized(token);
    expect(error.message).toBe('Access token must be signed with RS256');
  });

  it('refuses HS256 keyed with the RSA public key', async () => {
    await expectUnauthorized(await bareTokens.hmacWithPublicKeyToken());
  });
});

describe('AccessTokenVerifier refuses tokens whose claims do not hold, with 401', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it.each([
    ['expired', async () => tokens.signToken({ iat: now() - 7200, exp: now() - 60 }), 'Access token has expired'],
    ['without exp', async () => tokens.signToken({}, { omit: ['exp'] }), 'Access token has no exp claim'],
    ['not valid before a time in the future', async () => tokens.signToken({ nbf: now() + 3600 }), 'Access token is not valid yet'],
    ['from another issuer', async () => tokens.signToken({ iss: 'https://evil.example.com/' }), 'Access token is from another issuer'],
    ['without an issuer', async () => tokens.signToken({}, { omit: ['iss'] }), 'Access token is from another issuer'],
    [
      'for another audience',
      async () => tokens.signToken({ aud: 'https://other-api.example.com' }),
      'Access token is for another audience',
    ],
    ['without an audience', async () => tokens.signToken({}, { omit: ['aud'] }), 'Access token is for another audience'],
    ['without sub', async () => tokens.signToken({}, { omit: ['sub'] }), 'Access token has no sub claim'],
    ['with an empty sub', async () => tokens.signToken({ sub: '' }), 'Access token has no sub claim'],
  ])('%s', async (_label, makeToken, message) => {
    const error = await expectUnauthorized(await makeToken());
    expect(error.message).toBe(message);
  });

  it('an issuer that differs only by the trailing slash', async () => {
    await expectUnauthorized(await tokens.signToken({ iss: tokens.issuer.replace(/\/$/, '') }));
  });
});

/** Deferred signing, for it.each tables built before `tokens` exists. */
const deferredToken = (claims: Record<string, unknown>, options: Parameters<typeof tokens.signToken>[1]) => () =>
  tokens.signToken(claims, options);

describe('AccessTokenVerifier with a required scope', () => {
  beforeEach(() => {
    ({ verifier, fetcher } = createTestVerifier(tokens, { requiredScope: 'keys:manage' }));
  });

  it('accepts a token that has the scope among others', async () => {
    const token = await tokens.signToken({ scope: 'openid keys:manage profile' });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({
      sub: DEFAULT_SUB,
      scopes: ['openid', 'keys:manage', 'profile'],
    });
  });

  it.each([
    ['other scopes only', { scope: 'openid profile' }],
    ['no scope claim', {}],
    ['a scope that merely starts with it', { scope: 'keys:manage:all' }],
  ])('refuses with 403 INSUFFICIENT_SCOPE: %s', async (_label, claims) => {
    const token = await tokens.signToken(claims);
    const error = await rejection(verifier.verify(`Bearer ${token}`));
    expect(error.error).toBeInstanceOf(AccessDeniedError);
    expect(error).toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE' });
    expectNoTokenIn(error.error, token);
  });

  it('still answers 401, not 403, for an invalid token', async () => {
    await expectUnauthorized(await tokens.signToken({ scope: 'keys:manage', exp: Math.floor(Date.now() / 1000) - 60 }));
  });

  it.each([
    ['no sub', deferredToken({}, { omit: ['sub'] })],
    ['no exp', deferredToken({}, { omit: ['exp'] })],
    ['RS384', deferredToken({}, { alg: 'RS384' })],
  ])('answers 401, not 403, for a token that lacks the scope and is also bad: %s', async (_label, sign) => {
    await expectUnauthorized(await sign());
  });
});

describe('AccessTokenVerifier and machine-to-machine tokens', () => {
  it.each([
    ['gty client-credentials', { gty: 'client-credentials' }],
    ['a sub ending in @clients', { sub: 'AbCdEf123@clients' }],
  ])('refuses with 403 MACHINE_TOKEN by default: %s', async (_label, claims) => {
    ({ verifier, fetcher } = createTestVerifier(tokens));
    const error = await rejection(verifier.verify(`Bearer ${await tokens.signToken(claims)}`));
    expect(error).toMatchObject({ status: 403, code: 'MACHINE_TOKEN' });
  });

  it('accepts them when allowed', async () => {
    ({ verifier, fetcher } = createTestVerifier(tokens, { allowMachineTokens: true }));
    const token = await tokens.signToken({ gty: 'client-credentials', sub: 'AbCdEf123@clients' });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ sub: 'AbCdEf123@clients' });
  });
});

describe('AccessTokenVerifier when the JWKS cannot be had', () => {
  it('answers 503 IDP_UNAVAILABLE when the JWKS fetch fails', async () => {
    ({ verifier, fetcher } = createTestVerifier(tokens, { fetcher: failingFetcher() }));
    const token = await tokens.signToken();
    const error = await rejection(verifier.verify(`Bearer ${token}`));
    expect(error.error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'IDP_UNAVAILABLE' });
    expect(fetcher.fetchCount).toBe(1);
    expectNoTokenIn(error.error, token);
  });

  it('does not remember the failure: the next request tries the identity provider again', async () => {
    ({ verifier, fetcher } = createTestVerifier(tokens, { fetcher: failingFetcher() }));
    const token = await tokens.signToken();
    await rejection(verifier.verify(`Bearer ${token}`));
    await rejection(verifier.verify(`Bearer ${token}`));
    expect(fetcher.fetchCount).toBe(2);
  });

  it('answers 503 IDP_UNAVAILABLE when the identity provider serves something that is not a JWKS', async () => {
    const garbage: CountingFetcher = {
      fetchedUris: [],
      fetchCount: 0,
      fetch: () => Promise.resolve(new TextEncoder().encode('<html>maintenance</html>').buffer),
    };
    ({ verifier } = createTestVerifier(tokens, { fetcher: garbage }));
    const error = await rejection(verifier.verify(`Bearer ${await tokens.signToken()}`));
    expect(error).toMatchObject({ status: 503, code: 'IDP_UNAVAILABLE' });
  });

  it('refetches the JWKS for an unknown kid (key rotation), but not again at once for another unknown kid', async () => {
    await verifier.verify(`Bearer ${await tokens.signToken()}`);
    expect(fetcher.fetchCount).toBe(1);
    await expectUnauthorized(await tokens.signToken({}, { kid: 'rotated-1' }));
    expect(fetcher.fetchCount).toBe(2);
    await expectUnauthorized(await tokens.signToken({}, { kid: 'rotated-2' }));
    expect(fetcher.fetchCount).toBe(2);
    await expect(verifier.verify(`Bearer ${await tokens.signToken()}`)).resolves.toMatchObject({ sub: DEFAULT_SUB });
  });
});
