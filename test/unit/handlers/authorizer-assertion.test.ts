import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { AssertionVerifier } from '../../../lambdas/auth/assertion-verifier';
import { AssertionIssuer } from '../../../lambdas/domain/assertion-signer';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { activeKey, publicJwks, rotatedKeySet, signingKeys } from '../../../lambdas/domain/signing-keys';
import { VerdictCache } from '../../../lambdas/domain/verdict-cache';
import { createAuthorizerHandler } from '../../../lambdas/handlers/authorizer';
import { createJwksHandler, JWKS_CACHE_CONTROL } from '../../../lambdas/handlers/jwks';
import { createWhoamiHandler } from '../../../lambdas/handlers/whoami';
import { cachedJwksSource } from '../../../lambdas/runtime/assertion-wiring';
import { parseJwks } from '../../../lambdas/signing/jwks-parameter';
import authorizerEventFixture from '../../fixtures/authorizer-event.json';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';

const format = new KeyFormat('uak');
const set = rotatedKeySet(undefined, new Date());
const keys = signingKeys(set);
const silent = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };

function event(headers: Record<string, string>): APIGatewayRequestAuthorizerEventV2 {
  const base = structuredClone(authorizerEventFixture) as unknown as APIGatewayRequestAuthorizerEventV2;
  return { ...base, headers };
}

function system(options: { key?: () => Promise<(typeof keys)[number]>; cacheSeconds?: number; keyHeader?: string } = {}) {
  const store = new InMemoryKeyStore();
  const alice = format.generate();
  store.seed({
    keyId: alice.keyId,
    ownerId: 'auth0|alice',
    secretHash: hashSecret(alice.secret),
    name: 'ci',
    scopes: ['read'],
    createdAt: new Date().toISOString(),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
  const issuer = new AssertionIssuer({
    issuer: 'https://gw.example.com',
    audience: 'https://be.example.com',
    lifetimeSeconds: 120,
    key: options.key ?? (() => Promise.resolve(activeKey(keys, Date.now()))),
  });
  const sign = jest.spyOn(issuer, 'issue');
  const verifier = new KeyVerifier({
    store,
    format,
    cache: new VerdictCache({ ttlSeconds: options.cacheSeconds ?? 0 }),
    assertions: issuer,
  });
  const handler = createAuthorizerHandler({ verifier, logger: silent, requireAssertion: true, keyHeader: options.keyHeader });
  return { handler, alice, sign, store };
}

describe('the authorizer and its assertion', () => {
  it('returns a signed assertion with every allow, which a backend verifies', async () => {
    const { handler, alice } = system();
    const result = await handler(event({ authorization: `Bearer ${alice.key}` }));
    expect(result.isAuthorized).toBe(true);
    const assertion = (result.context as { assertion?: string }).assertion;
    const verifier = new AssertionVerifier({ issuer: 'https://gw.example.com', audience: 'https://be.example.com' });
    verifier.cacheJwks(publicJwks(set));
    await expect(verifier.verify(assertion)).resolves.toEqual({
      sub: 'auth0|alice',
      keyId: alice.keyId,
      scopes: ['read'],
      kid: keys[0]!.kid,
    });
  });

  it('signs once per cached verdict, not per request', async () => {
    const { handler, alice, sign } = system({ cacheSeconds: 30 });
    const first = await handler(event({ authorization: `Bearer ${alice.key}` }));
    const second = await handler(event({ authorization: `Bearer ${alice.key}` }));
    expect(sign).toHaveBeenCalledTimes(1);
    expect(second.context).toEqual(first.context);
  });

  it('fails closed when the key cannot be loaded: it throws (a 500), never allows, and caches nothing', async () => {
    let fail = true;
    const { handler, alice, sign } = system({
      cacheSeconds: 30,
      key: () => (fail ? Promise.reject(new Error('Secrets Manager unavailable')) : Promise.resolve(keys[0]!)),
    });
    await expect(handler(event({ authorization: `Bearer ${alice.key}` }))).rejects.toThrow('Secrets Manager unavailable');
    fail = false;
    await expect(handler(event({ authorization: `Bearer ${alice.key}` }))).resolves.toMatchObject({ isAuthorized: true });
    expect(sign).toHaveBeenCalledTimes(2);
  });

  it('throws rather than allow when an allow comes without an assertion', async () => {
    const store = new InMemoryKeyStore();
    const alice = format.generate();
    store.seed({
      keyId: alice.keyId,
      ownerId: 'a',
      secretHash: hashSecret(alice.secret),
      name: 'n',
      scopes: [],
      createdAt: '',
      expiresAt: Date.now() / 1000 + 60,
    });
    const handler = createAuthorizerHandler({ verifier: new KeyVerifier({ store, format }), logger: silent, requireAssertion: true });
    await expect(handler(event({ authorization: `Bearer ${alice.key}` }))).rejects.toThrow(/no identity assertion/);
  });

  it('reads the key from KEY_HEADER (bare or Bearer) and ignores Authorization then', async () => {
    const { handler, alice } = system({ keyHeader: 'x-api-key' });
    await expect(handler(event({ 'x-api-key': alice.key }))).resolves.toMatchObject({ isAuthorized: true });
    await expect(handler(event({ 'x-api-key': `Bearer ${alice.key}` }))).resolves.toMatchObject({ isAuthorized: true });
    await expect(handler(event({ authorization: `Bearer ${alice.key}` }))).resolves.toMatchObject({ isAuthorized: false });
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('serves the public keys, cacheable for five minutes', async () => {
    const response = await createJwksHandler({ source: { jwks: () => Promise.resolve(publicJwks(set)) }, logger: silent })();
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'cache-control': JWKS_CACHE_CONTROL });
    expect(JSON.parse(response.body!)).toEqual(publicJwks(set));
    expect(response.body).not.toContain(set.keys[0]!.d);
  });

  it('answers 503 JWKS_UNAVAILABLE, not a 500, when the keys cannot be read', async () => {
    const response = await createJwksHandler({ source: { jwks: () => Promise.reject(new Error('ssm down')) }, logger: silent })();
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body!)).toMatchObject({ code: 'JWKS_UNAVAILABLE' });
    expect(response.body).not.toContain('ssm down');
  });

  it('reads the parameter at most once a minute, and does not keep a failed read', async () => {
    let now = 0;
    const read = jest.fn().mockRejectedValueOnce(new Error('x')).mockResolvedValue(publicJwks(set));
    const source = cachedJwksSource(read, 60_000, () => now);
    await expect(source.jwks()).rejects.toThrow('x');
    await source.jwks();
    await source.jwks();
    expect(read).toHaveBeenCalledTimes(2);
    now += 60_000;
    await source.jwks();
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('never serves a private member from the parameter', () => {
    const leaked = JSON.stringify({ keys: [{ ...set.keys[0], kty: 'EC' }] });
    expect(JSON.stringify(parseJwks(leaked))).not.toContain('"d"');
  });
});

describe('the sample /whoami', () => {
  const verifier = new AssertionVerifier({ issuer: 'https://gw.example.com', audience: 'https://be.example.com' });
  verifier.cacheJwks(publicJwks(set));
  const whoami = createWhoamiHandler({ assertions: verifier });
  const call = (assertion?: string) =>
    whoami({ requestContext: { authorizer: { lambda: assertion === undefined ? {} : { assertion } } } } as never);

  it('answers from the verified assertion', async () => {
    const { handler, alice } = system();
    const { context } = await handler(event({ authorization: `Bearer ${alice.key}` }));
    const response = await call((context as { assertion: string }).assertion);
    expect(JSON.parse(response.body!)).toEqual({
      sub: 'auth0|alice',
      keyId: alice.keyId,
      scopes: ['read'],
      assertion: { verified: true, kid: keys[0]!.kid },
    });
  });

  it('answers 401 INVALID_ASSERTION without one, or with a forged one', async () => {
    expect((await call()).statusCode).toBe(401);
    const forged = await call('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.AAAA');
    expect(forged.statusCode).toBe(401);
    expect(JSON.parse(forged.body!)).toMatchObject({ code: 'INVALID_ASSERTION' });
  });
});
