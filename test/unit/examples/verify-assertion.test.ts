import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { signEs256Jwt, type AssertionClaims } from '../../../lambdas/domain/assertion-signer';
import { publicJwks, rotatedKeySet, signingKeys, type SigningKey } from '../../../lambdas/domain/signing-keys';
import { assertionVerifier } from '../../../examples/verify-assertion';

/**
 * The README's snippet for backend authors is examples/verify-assertion.ts,
 * word for word; here it meets assertions signed as the authorizer signs
 * them, with the JWKS served from 127.0.0.1.
 */
describe('the backend snippet in the README', () => {
  const set = rotatedKeySet(undefined, new Date());
  const [key] = signingKeys(set) as [SigningKey];
  const stranger = signingKeys(rotatedKeySet(undefined, new Date()))[0]!;
  let server: Server;
  let issuer: string;
  const audience = 'https://internal.example.com';

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(publicJwks(set)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const claims = (overrides: Partial<AssertionClaims> = {}): AssertionClaims => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, aud: audience, sub: 'alice', keyId: 'k1', scopes: ['read'], iat: now, exp: now + 120, ...overrides };
  };

  it('is the README’s code block, exactly', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const block = /<!-- example:verify-assertion:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:verify-assertion:end -->/.exec(
      readme,
    )?.[1];
    expect(block).toBe(readFileSync(join(__dirname, '../../../examples/verify-assertion.ts'), 'utf8'));
  });

  it('accepts an assertion the gateway signed for this backend, and returns the caller', async () => {
    const caller = await assertionVerifier(issuer, audience)(signEs256Jwt(claims(), key));
    expect(caller).toMatchObject({ sub: 'alice', keyId: 'k1', scopes: ['read'] });
  });

  it('rejects a missing assertion', async () => {
    await expect(assertionVerifier(issuer, audience)(undefined)).rejects.toThrow(/no x-api-key-assertion/);
  });

  it('rejects an expired one', async () => {
    const past = Math.floor(Date.now() / 1000) - 600;
    await expect(assertionVerifier(issuer, audience)(signEs256Jwt(claims({ iat: past, exp: past + 120 }), key))).rejects.toThrow(/exp/);
  });

  it('rejects a tampered one: a claim changed after signing', async () => {
    const [header, , signature] = signEs256Jwt(claims(), key).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ sub: 'mallory', scopes: ['admin'] }))).toString('base64url');
    await expect(assertionVerifier(issuer, audience)(`${header}.${forged}.${signature}`)).rejects.toThrow(/signature/);
  });

  it('rejects one signed by a key the gateway does not publish', async () => {
    await expect(assertionVerifier(issuer, audience)(signEs256Jwt(claims(), stranger))).rejects.toThrow();
  });

  it('rejects one for another backend (audience) or from another issuer', async () => {
    await expect(assertionVerifier(issuer, audience)(signEs256Jwt(claims({ aud: 'https://other.example.com' }), key))).rejects.toThrow(
      /aud/,
    );
    await expect(assertionVerifier(issuer, audience)(signEs256Jwt(claims({ iss: 'https://evil.example.com' }), key))).rejects.toThrow(
      /iss/,
    );
  });
});
