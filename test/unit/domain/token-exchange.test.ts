import { AccessTokens, MAX_ACCESS_TOKEN_TTL_SECONDS, type TokenKeySource } from '../../../lambdas/domain/access-token';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { DependencyUnavailableError, ValidationError } from '../../../lambdas/domain/errors';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { TokenExchange, type TokenGrant } from '../../../lambdas/domain/token-exchange';
import { OAuthError, type ClientCredentialsRequest } from '../../../lambdas/domain/token-request';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { singleTokenKey, STORMPATH_ID, STORMPATH_SECRET, aliceKeyItem } from '../../support/token-fixtures';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const DAY_S = 86_400;
const format = new KeyFormat('uak');
const { signingKey, keySource: keySource } = singleTokenKey(NOW);

const native = format.generate();
const other = format.generate();

const INVALID_CLIENT_DESCRIPTION = 'The client id and secret do not match an active key';

const storedKey = (overrides: Partial<StoredKey> = {}): StoredKey => aliceKeyItem(native, NOW, overrides);

const stormpathKey = (overrides: Partial<StoredKey> = {}): StoredKey =>
  storedKey({ keyId: STORMPATH_ID, ownerId: 'auth0|bob', secretHash: hashSecret(STORMPATH_SECRET), name: 'imported', ...overrides });

const nativeRequest = (overrides: Partial<ClientCredentialsRequest> = {}): ClientCredentialsRequest => ({
  clientId: native.keyId,
  clientSecret: native.key,
  ...overrides,
});

function system(options: { keys?: StoredKey[]; ttlSeconds?: number; now?: Date; source?: TokenKeySource } = {}) {
  const store = new InMemoryKeyStore();
  for (const key of options.keys ?? [storedKey(), stormpathKey()]) store.seed(key);
  const tokens = new AccessTokens('uak', options.source ?? keySource);
  const clock = () => options.now ?? NOW;
  const exchange = new TokenExchange({ store, format, tokens, ttlSeconds: options.ttlSeconds ?? 3600, clock });
  return { store, tokens, exchange, clock };
}

async function refusal(promise: Promise<TokenGrant>): Promise<OAuthError> {
  const error: unknown = await promise.then(
    () => new Error('the exchange granted a token'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe('TokenExchange grants a token', () => {
  it('for a native key: client_id the key id, client_secret the whole key', async () => {
    const { exchange, tokens, store } = system();
    const grant = await exchange.exchange(nativeRequest());
    expect(grant).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'orders:read orders:write' });
    expect(store.getKeyCalls).toBe(1);
    await expect(tokens.check(grant.access_token, NOW.getTime())).resolves.toEqual({
      ok: true,
      claims: { keyId: native.keyId, scopes: ['orders:read', 'orders:write'], expiresAt: NOW_S + 3600 },
    });
  });

  it('for an imported Stormpath key pair, as Stormpath clients send it', async () => {
    const { exchange, tokens } = system();
    const grant = await exchange.exchange({ clientId: STORMPATH_ID, clientSecret: STORMPATH_SECRET });
    expect(grant).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'orders:read orders:write' });
    await expect(tokens.check(grant.access_token, NOW.getTime())).resolves.toMatchObject({ ok: true, claims: { keyId: STORMPATH_ID } });
  });

  it('for a key rotated but still in its grace period, no longer than the grace period', async () => {
    const { exchange } = system({
      keys: [storedKey({ rotatedAt: NOW.toISOString(), replacedBy: other.keyId, expiresAt: NOW_S + 600 })],
    });
    await expect(exchange.exchange(nativeRequest())).resolves.toMatchObject({ expires_in: 600 });
  });

  it('whose token passes the authorizer (KeyVerifier with the same key source): the key’s owner, the granted scopes', async () => {
    const { exchange, store, clock } = system();
    const verifier = new KeyVerifier({ store, format, clock, tokens: new AccessTokens('uak', keySource) });
    const forNative = await exchange.exchange(nativeRequest({ scopes: ['orders:read'] }));
    await expect(verifier.verify(`Bearer ${forNative.access_token}`)).resolves.toEqual({
      valid: true,
      ownerId: 'auth0|alice',
      keyId: native.keyId,
      scopes: ['orders:read'],
    });
    const forStormpath = await exchange.exchange({ clientId: STORMPATH_ID, clientSecret: STORMPATH_SECRET });
    await expect(verifier.verify(`Bearer ${forStormpath.access_token}`)).resolves.toEqual({
      valid: true,
      ownerId: 'auth0|bob',
      keyId: STORMPATH_ID,
      scopes: ['orders:read', 'orders:write'],
    });
  });
});

describe('TokenExchange refuses the client as invalid_client, always in the same words', () => {
  const wrong = format.format(native.keyId, 'X'.repeat(43));

  it.each<[string, StoredKey[], ClientCredentialsRequest]>([
    ['a wrong secret (native)', [storedKey()], nativeRequest({ clientSecret: wrong })],
    ['a wrong secret (Stormpath)', [stormpathKey()], { clientId: STORMPATH_ID, clientSecret: `${STORMPATH_SECRET.slice(0, -1)}1` }],
    ['an unknown id (native)', [], nativeRequest()],
    ['an unknown id (Stormpath)', [], { clientId: STORMPATH_ID, clientSecret: STORMPATH_SECRET }],
    ['a revoked key', [storedKey({ revokedAt: NOW.toISOString() })], nativeRequest()],
    ['a disabled key', [storedKey({ disabledAt: NOW.toISOString() })], nativeRequest()],
    [
      'a disabled Stormpath key',
      [stormpathKey({ disabledAt: NOW.toISOString() })],
      { clientId: STORMPATH_ID, clientSecret: STORMPATH_SECRET },
    ],
    ['an expired key', [storedKey({ expiresAt: NOW_S - 1 })], nativeRequest()],
    ['a key expiring this very second', [storedKey({ expiresAt: NOW_S })], nativeRequest()],
    [
      'a key rotated past its grace period',
      [storedKey({ rotatedAt: '2026-05-01T00:00:00.000Z', replacedBy: other.keyId, expiresAt: NOW_S - DAY_S })],
      nativeRequest(),
    ],
    ['a corrupt expiry', [storedKey({ expiresAt: Number.NaN })], nativeRequest()],
  ])('%s, after one read', async (_label, keys, request) => {
    const { exchange, store } = system({ keys });
    const error = await refusal(exchange.exchange(request));
    expect({ error: error.error, description: error.description }).toEqual({
      error: 'invalid_client',
      description: INVALID_CLIENT_DESCRIPTION,
    });
    expect(store.getKeyCalls).toBe(1);
  });

  it.each<[string, ClientCredentialsRequest]>([
    ['an empty id and secret', { clientId: '', clientSecret: '' }],
    ['a native id with its secret alone, not the whole key', nativeRequest({ clientSecret: native.secret })],
    ['a key under another key’s id', nativeRequest({ clientId: other.keyId })],
    ['a key with a bad checksum', nativeRequest({ clientSecret: `${native.key.slice(0, -1)}${native.key.endsWith('A') ? 'B' : 'A'}` })],
    ['a key of another prefix', nativeRequest({ clientSecret: new KeyFormat('abc').format(native.keyId, native.secret) })],
    ['a lower-case Stormpath id', { clientId: STORMPATH_ID.toLowerCase(), clientSecret: STORMPATH_SECRET }],
    ['a Stormpath id with a 42-character secret', { clientId: STORMPATH_ID, clientSecret: STORMPATH_SECRET.slice(1) }],
    ['a Stormpath id with a 44-character secret', { clientId: STORMPATH_ID, clientSecret: `${STORMPATH_SECRET}A` }],
    ['a Stormpath id with a padded secret', { clientId: STORMPATH_ID, clientSecret: `${STORMPATH_SECRET.slice(1)}=` }],
    [
      'a Stormpath id with a base64url secret',
      { clientId: STORMPATH_ID, clientSecret: STORMPATH_SECRET.replace(/\+/g, '-').replace(/\//g, '_') },
    ],
    ['a Stormpath id with a native key as secret', { clientId: STORMPATH_ID, clientSecret: native.key }],
  ])('%s, with no read at all', async (_label, request) => {
    const { exchange, store } = system();
    const error = await refusal(exchange.exchange(request));
    expect({ error: error.error, description: error.description }).toEqual({
      error: 'invalid_client',
      description: INVALID_CLIENT_DESCRIPTION,
    });
    expect(store.getKeyCalls).toBe(0);
  });

  it('authenticates before it looks at scopes: a wrong secret asking for any scope is invalid_client', async () => {
    const { exchange } = system();
    const error = await refusal(exchange.exchange(nativeRequest({ clientSecret: wrong, scopes: ['admin'] })));
    expect(error.error).toBe('invalid_client');
  });
});

describe('TokenExchange: scopes', () => {
  it('grants a subset of the key’s scopes, in the order asked', async () => {
    const { exchange, tokens } = system();
    const grant = await exchange.exchange(nativeRequest({ scopes: ['orders:write', 'orders:read'] }));
    expect(grant.scope).toBe('orders:write orders:read');
    await expect(tokens.check(grant.access_token, NOW.getTime())).resolves.toMatchObject({
      claims: { scopes: ['orders:write', 'orders:read'] },
    });
    await expect(exchange.exchange(nativeRequest({ scopes: ['orders:read'] }))).resolves.toMatchObject({ scope: 'orders:read' });
  });

  it('grants the key’s own scopes when none were asked for, and none for a key with none', async () => {
    const { exchange } = system({ keys: [storedKey({ scopes: [] })] });
    // No `scope` at all: an empty one is no scope value (RFC 6749 §3.3).
    expect(await exchange.exchange(nativeRequest())).not.toHaveProperty('scope');
  });

  it.each([[['admin']], [['orders:read', 'admin']], [['orders:read', 'orders:write', 'ORDERS:READ']]])(
    'refuses %j, which the key does not carry, as invalid_scope naming what it lacks',
    async (scopes) => {
      const { exchange } = system();
      const error = await refusal(exchange.exchange(nativeRequest({ scopes })));
      expect(error.error).toBe('invalid_scope');
      const lacking = scopes.filter((scope) => !['orders:read', 'orders:write'].includes(scope));
      for (const scope of lacking) expect(error.description).toContain(scope);
      expect(error.description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/); // §5.2
    },
  );

  it('keeps the description within §5.2’s characters whatever scope a caller passes it', async () => {
    const { exchange } = system();
    const error = await refusal(exchange.exchange(nativeRequest({ scopes: ['a"b', 'c\\d', 'é', 'x'.repeat(500)] })));
    expect(error.error).toBe('invalid_scope');
    expect(error.description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    expect(error.description.length).toBeLessThan(300);
  });
});

describe('TokenExchange: expires_in', () => {
  it.each([
    ['the TTL, for a key far from expiry', 3600, NOW_S + 30 * DAY_S, 3600],
    ['a shorter TTL', 600, NOW_S + 30 * DAY_S, 600],
    ['never over an hour, whatever the TTL', 7200, NOW_S + 30 * DAY_S, MAX_ACCESS_TOKEN_TTL_SECONDS],
    ['the seconds left to the key’s expiry, when fewer', 3600, NOW_S + 100, 100],
    ['one second, for a key with one left', 3600, NOW_S + 1, 1],
  ])('is %s', async (_label, ttlSeconds, expiresAt, expected) => {
    const { exchange, tokens } = system({ ttlSeconds, keys: [storedKey({ expiresAt })] });
    const grant = await exchange.exchange(nativeRequest());
    expect(grant.expires_in).toBe(expected);
    const checked = await tokens.check(grant.access_token, NOW.getTime());
    expect(checked).toMatchObject({ ok: true, claims: { expiresAt: NOW_S + expected } });
    // The token dies no later than its key.
    await expect(tokens.check(grant.access_token, expiresAt * 1000)).resolves.toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  it('counts from the start of the current second, so the token never outlives its key', async () => {
    const now = new Date(NOW.getTime() + 999);
    const { exchange, tokens } = system({ now, keys: [storedKey({ expiresAt: NOW_S + 2 })] });
    const grant = await exchange.exchange(nativeRequest());
    expect(grant.expires_in).toBe(2);
    await expect(tokens.check(grant.access_token, now.getTime())).resolves.toMatchObject({ claims: { expiresAt: NOW_S + 2 } });
  });
});

describe('TokenExchange: faults', () => {
  it('turns a failure to load the signing key into DependencyUnavailableError SIGNING_KEY_UNAVAILABLE, with the cause', async () => {
    const cause = new Error('Secrets Manager timed out');
    const current = jest.fn(() => Promise.reject(cause));
    const { exchange } = system({ source: { current, byKid: () => Promise.resolve(undefined) } });
    const error: unknown = await exchange.exchange(nativeRequest()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ code: 'SIGNING_KEY_UNAVAILABLE', cause });
    expect(current).toHaveBeenCalledTimes(1);
  });

  it('passes a domain error from minting on as it is', async () => {
    const thrown = new DependencyUnavailableError('no keys', 'JWKS_UNAVAILABLE');
    const { exchange } = system({ source: { current: () => Promise.reject(thrown), byKid: () => Promise.resolve(undefined) } });
    await expect(exchange.exchange(nativeRequest())).rejects.toBe(thrown);
  });

  it('does not mint for a refused client', async () => {
    const current = jest.fn(() => Promise.resolve(signingKey));
    const { exchange } = system({ keys: [], source: { current, byKid: () => Promise.resolve(undefined) } });
    await refusal(exchange.exchange(nativeRequest()));
    expect(current).not.toHaveBeenCalled();
  });

  it('lets a store fault propagate (the handler answers 503), never a grant or invalid_client', async () => {
    const { exchange, store } = system();
    const fault = new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE');
    store.failNext(fault, 'getKey');
    await expect(exchange.exchange(nativeRequest())).rejects.toBe(fault);
    store.failNext(new ValidationError('odd'), 'getKey');
    await expect(exchange.exchange(nativeRequest())).rejects.toBeInstanceOf(ValidationError);
  });
});
