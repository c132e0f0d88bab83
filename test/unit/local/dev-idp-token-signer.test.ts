import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { generateSigningKey, TOKEN_LIFETIME_SECONDS, TokenSigner, type SigningKey } from '../../../local/dev-idp/token-signer';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ISSUER = 'http://127.0.0.1:9999/';

let key: SigningKey;
beforeAll(async () => {
  key = await generateSigningKey();
});

describe('generateSigningKey', () => {
  it('exports the public half only, as an RS256 signing key under its kid', () => {
    expect(key.jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: key.kid });
    expect(key.jwk).not.toHaveProperty('d');
    expect(key.jwk).not.toHaveProperty('p');
  });
});

describe('TokenSigner', () => {
  it('signs tokens that verify against its JWKS, with iat and exp from its clock', async () => {
    let clock = T0 + 999;
    const signer = new TokenSigner({ key, issuer: ISSUER, now: () => clock });
    const token = await signer.sign({ sub: 'auth0|alice', audience: 'http://127.0.0.1:3000', scope: 'keys:write' });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [signer.jwk] }), {
      issuer: ISSUER,
      audience: 'http://127.0.0.1:3000',
      algorithms: ['RS256'],
      currentDate: new Date(T0),
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'auth0|alice',
      aud: 'http://127.0.0.1:3000',
      scope: 'keys:write',
      // As Auth0 with RBAC and "Add Permissions in the Access Token": what was asked for, granted.
      permissions: ['keys:write'],
      iat: T0 / 1000,
      exp: T0 / 1000 + TOKEN_LIFETIME_SECONDS,
      jti: expect.any(String),
    });

    clock += 60_000;
    const later = decodeJwt(await signer.sign({ sub: 'bob', audience: 'aud', expiresInSeconds: 30 }));
    expect(later.iat).toBe(T0 / 1000 + 60);
    expect(later.exp).toBe(T0 / 1000 + 90);
    expect(later).not.toHaveProperty('scope');
  });

  it('gives every token its own jti', async () => {
    const signer = new TokenSigner({ key, issuer: ISSUER, now: () => T0 });
    const claims = { sub: 'alice', audience: 'aud' };
    const [first, second] = await Promise.all([signer.sign(claims), signer.sign(claims)]);
    expect(decodeJwt(first).jti).not.toBe(decodeJwt(second).jti);
    expect(decodeProtectedHeader(first).kid).toBe(key.kid);
  });

  it('keeps real time by default', async () => {
    const signer = new TokenSigner({ key, issuer: ISSUER });
    const before = Math.floor(Date.now() / 1000);
    const { iat } = decodeJwt(await signer.sign({ sub: 'alice', audience: 'aud' }));
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it("grants a browser login's API scopes, and the default permissions when it asks only for OpenID Connect's", async () => {
    const key = await generateSigningKey();
    const signer = new TokenSigner({ key, issuer: 'http://127.0.0.1:1/', defaultPermissions: ['read', 'write'] });
    const permissionsOf = async (scope: string | undefined) =>
      decodeJwt(await signer.sign({ sub: 'alice', audience: 'https://api', scope })).permissions;
    expect(await permissionsOf('openid profile offline_access')).toEqual(['read', 'write']);
    expect(await permissionsOf('openid profile offline_access read')).toEqual(['read']);
    expect(await permissionsOf(undefined)).toEqual(['read', 'write']);
  });
});
