/**
 * Security tier, issue #19 finding 7: token shapes aws-jwt-verify leaves to
 * us. Each token here is validly signed by a key in the JWKS, for the right
 * issuer and audience, and unexpired, so only the shape under test can refuse it:
 * an unknown `crit` header (RFC 7515 §4.1.11), an `iat` in the future beyond
 * IAT_LEEWAY_SECONDS, and `gty` or `sub` claims of a shape Auth0 never issues.
 */
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JWK } from 'jose';
import { AccessTokenVerifier, IAT_LEEWAY_SECONDS, type Principal } from '../../lambdas/auth/access-token-verifier';
import { seen } from '../support/domain-errors';
import { jwksFetcher, TEST_AUDIENCE, TEST_ISSUER, TEST_JWKS_URI } from '../support/tokens';

const KID = 'shape-key';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: KID, alg: 'RS256', use: 'sig' };

const b64json = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An RS256 token signed by the published key, with these header members and claims on top of valid defaults. */
function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  const now = nowSeconds();
  const input = `${b64json({ alg: 'RS256', typ: 'JWT', kid: KID, ...header })}.${b64json({
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: 'auth0|alice',
    iat: now,
    exp: now + 3600,
    ...claims,
  })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

function verifier(options: { allowMachineTokens?: boolean } = {}): AccessTokenVerifier {
  return new AccessTokenVerifier({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    jwksUri: TEST_JWKS_URI,
    jwksCache: new SimpleJwksCache({ fetcher: jwksFetcher({ keys: [jwk] }) }),
    allowMachineTokens: options.allowMachineTokens,
  });
}

type Outcome = { readonly allowed: Pick<Principal, 'sub' | 'scopes'> } | { readonly status: number; readonly code: string };

async function outcomeOf(jwt: string, using = verifier()): Promise<Outcome> {
  try {
    const { sub, scopes } = await using.verify(`Bearer ${jwt}`);
    return { allowed: { sub, scopes } };
  } catch (error) {
    const { status, code, message } = seen(error);
    for (const part of jwt.split('.')) expect(message).not.toContain(part);
    return { status, code };
  }
}

const INVALID = { status: 401, code: 'INVALID_TOKEN' };

it('(control) the same token without the shape under test is allowed', async () => {
  expect(await outcomeOf(token())).toEqual({ allowed: { sub: 'auth0|alice', scopes: [] } });
  expect(await outcomeOf(token({ iat: nowSeconds() + IAT_LEEWAY_SECONDS - 5 }))).toMatchObject({ allowed: { sub: 'auth0|alice' } });
  expect(await outcomeOf(token({ gty: 'password' }))).toMatchObject({ allowed: { sub: 'auth0|alice' } });
  expect(await outcomeOf(token({}, { cty: 'JWT', [`x-${randomUUID()}`]: 1 }))).toMatchObject({ allowed: { sub: 'auth0|alice' } });
});

describe('a crit header is refused (this verifier understands no extension) → 401 INVALID_TOKEN', () => {
  it.each<[string, unknown]>([
    ['an unknown extension, with its header member', ['http://example.com/ext']],
    ['b64 (RFC 7797 unencoded payload)', ['b64']],
    ['a registered header name (producers must not)', ['exp']],
    ['an empty list (producers must not)', []],
    ['a string instead of a list', 'ext'],
    ['null', null],
  ])('%s', async (_name, crit) => {
    const header = Array.isArray(crit) ? { crit, ...Object.fromEntries(crit.map((name) => [String(name), true])) } : { crit };
    expect(await outcomeOf(token({}, header))).toEqual(INVALID);
  });
});

describe(`an iat more than ${IAT_LEEWAY_SECONDS} s in the future → 401 INVALID_TOKEN`, () => {
  it.each([IAT_LEEWAY_SECONDS + 5, 3600, 10 * 365 * 86_400])('%i s ahead', async (ahead) => {
    expect(await outcomeOf(token({ iat: nowSeconds() + ahead }))).toEqual(INVALID);
  });

  it('a non-numeric iat (aws-jwt-verify refuses it already)', async () => {
    expect(await outcomeOf(token({ iat: String(nowSeconds()) }))).toEqual(INVALID);
  });
});

describe('gty and sub of any shape but a string are refused', () => {
  // 401, not 403 MACHINE_TOKEN: a malformed claim is a malformed token, and a
  // 403 would be lifted by allowMachineTokens while this stays refused.
  it.each<[string, unknown]>([
    ['the array ["client-credentials"]', ['client-credentials']],
    ['an empty array', []],
    ['an object', { type: 'client-credentials' }],
    ['a number', 1],
    ['true', true],
    ['null', null],
  ])('gty %s → 401 INVALID_TOKEN, with or without allowMachineTokens', async (_name, gty) => {
    expect(await outcomeOf(token({ gty }))).toEqual(INVALID);
    expect(await outcomeOf(token({ gty }), verifier({ allowMachineTokens: true }))).toEqual(INVALID);
  });

  it.each<[string, unknown]>([
    ['an array', ['client@clients']],
    ['an object', { id: 'auth0|alice' }],
    ['a number', 42],
    ['null', null],
    ['empty', ''],
  ])('sub %s → 401 INVALID_TOKEN', async (_name, sub) => {
    expect(await outcomeOf(token({ sub }))).toEqual(INVALID);
    expect(await outcomeOf(token({ sub }), verifier({ allowMachineTokens: true }))).toEqual(INVALID);
  });

  it('(control) a string gty of client-credentials is still a machine token → 403 MACHINE_TOKEN', async () => {
    expect(await outcomeOf(token({ gty: 'client-credentials' }))).toEqual({ status: 403, code: 'MACHINE_TOKEN' });
  });
});
