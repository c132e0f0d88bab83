import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { KeyFormat, type GeneratedKey } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { createAuthorizerHandler, type AuthorizerResult } from '../../../lambdas/handlers/authorizer';
import { DenialLog } from '../../../lambdas/observability/denial-log';
import type { AppLogger } from '../../../lambdas/observability/logger';
import authorizerEventFixture from '../../fixtures/authorizer-event.json';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { testEvent, NEVER_PURGED } from '../../support/key-policy';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const format = new KeyFormat('uak');

type FakeLogger = { [K in keyof AppLogger]: jest.Mock };

function fakeLogger(): FakeLogger {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

/** Every argument of every logger call, as one string. */
function loggedText(logger: FakeLogger): string {
  return JSON.stringify(Object.values(logger).map((mock) => mock.mock.calls));
}

/** The fixture event (GET /whoami) with the given Authorization header, or none. */
function authorizerEvent(authorization: string | undefined): APIGatewayRequestAuthorizerEventV2 {
  const event = structuredClone(authorizerEventFixture) as unknown as APIGatewayRequestAuthorizerEventV2;
  delete event.headers?.authorization;
  if (authorization !== undefined) {
    event.headers = { ...event.headers, authorization };
    event.identitySource = [authorization];
  }
  return event;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authorizer handler (API key → simple response)', () => {
  let store: InMemoryKeyStore;
  let logger: FakeLogger;
  let now: Date;
  let handler: (event: APIGatewayRequestAuthorizerEventV2) => Promise<AuthorizerResult>;
  let alice: GeneratedKey;
  let aliceStored: StoredKey;

  function storedKey(generated: GeneratedKey, overrides: Partial<StoredKey> = {}): StoredKey {
    return {
      keyId: generated.keyId,
      ownerId: 'auth0|alice',
      secretHash: hashSecret(generated.secret),
      name: 'deploy script',
      scopes: ['orders:read', 'orders:write'],
      createdAt: NOW.toISOString(),
      expiresAt: NOW_SECONDS + 3600,
      ...overrides,
    };
  }

  beforeEach(() => {
    store = new InMemoryKeyStore();
    logger = fakeLogger();
    now = NOW;
    const verifier = new KeyVerifier({ store, format, clock: () => now });
    handler = createAuthorizerHandler({ verifier, logger, logAllows: true });
    alice = format.generate();
    aliceStored = storedKey(alice);
    store.seed(aliceStored);
  });

  describe('allows', () => {
    it('a valid key as a Bearer token, passing sub, keyId and scopes to the backend', async () => {
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).resolves.toEqual({
        isAuthorized: true,
        context: { sub: 'auth0|alice', keyId: alice.keyId, scopes: ['orders:read', 'orders:write'], scope: 'orders:read orders:write' },
      });
      expect(store.getKeyCalls).toBe(1);
    });

    it('the Bearer scheme in any case', async () => {
      await expect(handler(authorizerEvent(`bearer ${alice.key}`))).resolves.toMatchObject({ isAuthorized: true });
    });

    it('Basic auth with base64("<keyId>:<key>")', async () => {
      await expect(handler(authorizerEvent(basic(alice.keyId, alice.key)))).resolves.toEqual({
        isAuthorized: true,
        context: { sub: 'auth0|alice', keyId: alice.keyId, scopes: ['orders:read', 'orders:write'], scope: 'orders:read orders:write' },
      });
    });

    it('a key up to the second before it expires', async () => {
      now = new Date((aliceStored.expiresAt - 1) * 1000);
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).resolves.toMatchObject({ isAuthorized: true });
    });
  });

  describe('denies, with an empty context', () => {
    const denied = { isAuthorized: false, context: {} };

    it('no Authorization header, without reading the store', async () => {
      await expect(handler(authorizerEvent(undefined))).resolves.toEqual(denied);
      expect(store.getKeyCalls).toBe(0);
    });

    it.each<[string, (key: GeneratedKey) => string]>([
      ['an empty header', () => ''],
      ['the scheme alone', () => 'Bearer '],
      ['not a key at all', () => 'Bearer not-an-api-key'],
      ['a JWT instead of a key', () => 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
      ['the key without a scheme', (key) => key.key],
      ['an unknown scheme', (key) => `Token ${key.key}`],
      ['a trailing space', (key) => `Bearer ${key.key} `],
      ['another prefix', (key) => `Bearer abc${key.key.slice(3)}`],
      ['a truncated key', (key) => `Bearer ${key.key.slice(0, -1)}`],
      ['a key one character too long', (key) => `Bearer ${key.key}x`],
      ['a mistyped secret (bad checksum)', (key) => `Bearer ${mistype(key.key, key.key.length - 10)}`],
      ['a mistyped key id (bad checksum)', (key) => `Bearer ${mistype(key.key, 6)}`],
      ['Basic that is not base64', () => 'Basic !!!!'],
      ['Basic without a colon', (key) => `Basic ${Buffer.from(key.key).toString('base64')}`],
      ['Basic with a malformed key', (key) => basic(key.keyId, 'nope')],
      ['Basic naming another key id', (key) => basic(format.generate().keyId, key.key)],
      ['Basic with an empty key id', (key) => basic('', key.key)],
    ])('a malformed key (%s), without reading the store', async (_label, header) => {
      await expect(handler(authorizerEvent(header(alice)))).resolves.toEqual(denied);
      expect(store.getKeyCalls).toBe(0);
    });

    it('a well-formed key whose id is unknown', async () => {
      const stranger = format.generate();
      await expect(handler(authorizerEvent(`Bearer ${stranger.key}`))).resolves.toEqual(denied);
      expect(store.getKeyCalls).toBe(1);
    });

    it('a known key id with the wrong secret (checksum correct)', async () => {
      const forged = format.format(alice.keyId, format.generate().secret);
      expect(format.parse(forged).ok).toBe(true);
      await expect(handler(authorizerEvent(`Bearer ${forged}`))).resolves.toEqual(denied);
      expect(store.getKeyCalls).toBe(1);
    });

    it('a revoked key', async () => {
      const revoked = format.generate();
      store.seed(storedKey(revoked, { revokedAt: NOW.toISOString() }));
      await expect(handler(authorizerEvent(`Bearer ${revoked.key}`))).resolves.toEqual(denied);
    });

    it('a key revoked through the store, on the very next request', async () => {
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).resolves.toMatchObject({ isAuthorized: true });
      await expect(
        store.revokeKey(
          'auth0|alice',
          alice.keyId,
          NOW,
          testEvent({ keyId: alice.keyId, ownerId: 'auth0|alice' }, 'revoke', NOW),
          NEVER_PURGED,
        ),
      ).resolves.toEqual({ outcome: 'written' });
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).resolves.toEqual(denied);
    });

    it('an expired key, from the second it expires', async () => {
      now = new Date(aliceStored.expiresAt * 1000);
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).resolves.toEqual(denied);
      now = new Date((aliceStored.expiresAt + 86_400) * 1000);
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).resolves.toEqual(denied);
    });

    it('a stored record whose hash is not a SHA-256 hex digest', async () => {
      const broken = format.generate();
      store.seed(storedKey(broken, { secretHash: broken.secret }));
      await expect(handler(authorizerEvent(`Bearer ${broken.key}`))).resolves.toEqual(denied);
    });

    it('and logs why, by code and key id', async () => {
      const revoked = format.generate();
      store.seed(storedKey(revoked, { revokedAt: NOW.toISOString() }));
      await handler(authorizerEvent(`Bearer ${revoked.key}`));
      expect(logger.info).toHaveBeenCalledWith('key denied', expect.objectContaining({ code: 'REVOKED', keyId: revoked.keyId }));
    });
  });

  describe('fails closed when the store fails', () => {
    it.each([
      ['a DependencyUnavailableError', new DependencyUnavailableError('The key store is unavailable', 'STORE_UNAVAILABLE')],
      ['a generic Error', new Error('socket hang up')],
    ])('rethrows %s instead of answering (API Gateway answers 500 and does not cache it)', async (_label, failure) => {
      store.failNext(failure, 'getKey');
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).rejects.toBe(failure);
      expect(logger.error).toHaveBeenCalledWith('key verification failed', expect.objectContaining({ routeKey: 'GET /whoami' }));
    });

    it('recovers on the next request once the store answers again', async () => {
      store.failNext(new Error('throttled'), 'getKey');
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).rejects.toThrow('throttled');
      await expect(handler(authorizerEvent(`Bearer ${alice.key}`))).resolves.toMatchObject({ isAuthorized: true });
    });
  });

  describe('the hot path', () => {
    it('writes no log line for an allow unless asked to (logAllows)', async () => {
      const quiet = createAuthorizerHandler({ verifier: new KeyVerifier({ store, format, clock: () => now }), logger });
      await expect(quiet(authorizerEvent(`Bearer ${alice.key}`))).resolves.toMatchObject({ isAuthorized: true });
      expect(Object.values(logger).every((mock) => mock.mock.calls.length === 0)).toBe(true);
    });

    it('logs the same denial once a minute, with the repeats counted on the next line', async () => {
      const revoked = format.generate();
      store.seed(storedKey(revoked, { revokedAt: NOW.toISOString() }));
      let nowMs = NOW.getTime();
      const denials = new DenialLog({ logger, now: () => nowMs });
      const limited = createAuthorizerHandler({ verifier: new KeyVerifier({ store, format, clock: () => now }), logger, denials });
      for (let i = 0; i < 3; i += 1) await limited(authorizerEvent(`Bearer ${revoked.key}`));
      nowMs += 60_000;
      await limited(authorizerEvent(`Bearer ${revoked.key}`));
      expect(logger.info.mock.calls).toEqual([
        ['key denied', { code: 'REVOKED', keyId: revoked.keyId, routeKey: 'GET /whoami' }],
        ['key denied', { code: 'REVOKED', keyId: revoked.keyId, routeKey: 'GET /whoami', repeats: 2 }],
      ]);
    });
  });

  describe('logging', () => {
    it('never logs a key, its secret or the Authorization header, whatever the outcome', async () => {
      const revoked = format.generate();
      const unknown = format.generate();
      store.seed(storedKey(revoked, { revokedAt: NOW.toISOString() }));
      const forgedSecret = format.generate().secret;
      const forged = format.format(alice.keyId, forgedSecret);
      const headers = [
        `Bearer ${alice.key}`,
        basic(alice.keyId, alice.key),
        `Bearer ${revoked.key}`,
        `Bearer ${unknown.key}`,
        `Bearer ${forged}`,
        `Bearer ${alice.key.slice(0, -1)}`,
      ];
      for (const header of headers) await handler(authorizerEvent(header));
      store.failNext(new Error('boom'), 'getKey');
      await handler(authorizerEvent(`Bearer ${alice.key}`)).catch(() => undefined);

      const calls = Object.values(logger).reduce((total, mock) => total + mock.mock.calls.length, 0);
      expect(calls).toBeGreaterThanOrEqual(headers.length + 1);
      const logged = loggedText(logger);
      const secrets = [alice, revoked, unknown].flatMap((key) => [key.key, key.secret]);
      for (const secret of [...secrets, forged, forgedSecret]) {
        expect(logged).not.toContain(secret);
      }
      for (const header of headers) {
        expect(logged).not.toContain(header);
        expect(logged).not.toContain(header.replace(/^\w+ /, ''));
      }
    });
  });
});

/** The key with one character replaced by a different base62 character. */
function mistype(key: string, index: number): string {
  const replacement = key[index] === 'A' ? 'B' : 'A';
  return key.slice(0, index) + replacement + key.slice(index + 1);
}
