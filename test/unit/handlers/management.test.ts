import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import type { KeyPolicy } from '../../../lambdas/domain/key-policy';
import { KeyService } from '../../../lambdas/domain/key-service';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { createCreateKeyHandler } from '../../../lambdas/handlers/create-key';
import { createGetKeyHandler } from '../../../lambdas/handlers/get-key';
import { createListKeysHandler } from '../../../lambdas/handlers/list-keys';
import type { ManagementDependencies, ManagementHandler } from '../../../lambdas/handlers/management-handler';
import { createRevokeKeyHandler } from '../../../lambdas/handlers/revoke-key';
import { MAX_BODY_BYTES } from '../../../lambdas/http/request';
import type { HttpResponse } from '../../../lambdas/http/responses';
import type { AppLogger } from '../../../lambdas/observability/logger';
import { managementEvent } from '../../support/management-event';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { createTestVerifier, createTokenIssuer, failingFetcher, type TokenIssuer } from '../../support/tokens';
import { testKeyPolicy } from '../../support/key-policy';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY_MS = 86_400_000;
const ALICE = 'auth0|alice';
const BOB = 'auth0|bob';
const policy: KeyPolicy = testKeyPolicy({ maxKeysPerUser: 3 });
const format = new KeyFormat('uak');

type FakeLogger = { [K in keyof AppLogger]: jest.Mock };
type Route = 'POST /keys' | 'GET /keys' | 'GET /keys/{id}' | 'DELETE /keys/{id}';

interface CreatedKeyBody {
  id: string;
  key: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
}

let tokens: TokenIssuer;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  tokens = await createTokenIssuer();
  aliceToken = await tokens.signToken({ sub: ALICE });
  bobToken = await tokens.signToken({ sub: BOB });
});

let store: InMemoryKeyStore;
let logger: FakeLogger;
let now: Date;
let handlers: Record<Route, ManagementHandler>;

function buildHandlers(deps: ManagementDependencies): Record<Route, ManagementHandler> {
  return {
    'POST /keys': createCreateKeyHandler(deps),
    'GET /keys': createListKeysHandler(deps),
    'GET /keys/{id}': createGetKeyHandler(deps),
    'DELETE /keys/{id}': createRevokeKeyHandler(deps),
  };
}

beforeEach(() => {
  store = new InMemoryKeyStore();
  logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  now = NOW;
  handlers = buildHandlers({
    keys: new KeyService({ store, format, policy, clock: () => now }),
    tokens: createTestVerifier(tokens).verifier,
    logger,
  });
});

interface RequestOptions {
  token?: string | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  id?: string;
}

/** The fixture event, re-aimed at `route`, with a Bearer token (default Alice's) and body (null: none). */
function event(route: Route, options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const token = options.token === undefined ? aliceToken : options.token;
  return managementEvent(route, {
    ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
    ...(options.body !== null ? { body: options.body ?? '{"name":"ci deploy"}' } : {}),
    ...(options.isBase64Encoded !== undefined ? { isBase64Encoded: options.isBase64Encoded } : {}),
    ...(options.id !== undefined ? { id: options.id } : {}),
  });
}

async function call(route: Route, options: RequestOptions = {}): Promise<HttpResponse> {
  return handlers[route](event(route, options));
}

function json(response: HttpResponse): unknown {
  expect(response.headers?.['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(response.body ?? '');
}

/** An error answer: the status, and a JSON body of exactly { code, message } with no stack. */
function expectError(response: HttpResponse, status: number, code: string): { code: string; message: string } {
  expect(response.statusCode).toBe(status);
  const body = json(response) as { code: string; message: string };
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message).not.toMatch(/\n\s+at /);
  expect(response.body).not.toContain('.ts:');
  return body;
}

async function createKey(options: RequestOptions = {}): Promise<CreatedKeyBody> {
  const response = await call('POST /keys', options);
  expect(response.statusCode).toBe(201);
  return json(response) as CreatedKeyBody;
}

function loggedText(): string {
  return JSON.stringify(Object.values(logger).map((mock) => mock.mock.calls));
}

describe('POST /keys', () => {
  it('answers 201 with the key, shown once, and its details as ISO dates', async () => {
    const response = await call('POST /keys', { body: JSON.stringify({ name: 'ci deploy', scopes: ['orders:read'] }) });
    expect(response.statusCode).toBe(201);
    expect(response.headers?.['cache-control']).toBe('no-store');
    const body = json(response) as CreatedKeyBody;
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'key', 'name', 'scopes']);
    expect(body).toMatchObject({
      name: 'ci deploy',
      scopes: ['orders:read'],
      createdAt: NOW.toISOString(),
      expiresAt: new Date(NOW.getTime() + 90 * DAY_MS).toISOString(),
    });
    const parsed = format.parse(body.key);
    expect(parsed).toEqual({ ok: true, key: { keyId: body.id, secret: expect.any(String) } });
  });

  it('stores only the hash of the secret, under the owner from the token', async () => {
    const body = await createKey();
    const parsed = format.parse(body.key);
    if (!parsed.ok) throw new Error('the created key does not parse');
    const stored = store.peek(body.id);
    expect(stored).toMatchObject({ keyId: body.id, ownerId: ALICE, secretHash: hashSecret(parsed.key.secret) });
    expect(JSON.stringify(stored)).not.toContain(parsed.key.secret);
  });

  it('takes the owner from the verified token, not from the claims API Gateway put in the event', async () => {
    const request = event('POST /keys');
    expect(JSON.stringify(request.requestContext)).toContain('auth0|edge-claims-not-trusted-by-handlers');
    const response = await handlers['POST /keys'](request);
    const body = json(response) as CreatedKeyBody;
    expect(store.peek(body.id)?.ownerId).toBe(ALICE);
  });

  it.each([['owner'], ['ownerId'], ['sub']])('refuses a body that tries to set "%s" with 400, storing nothing', async (field) => {
    const response = await call('POST /keys', { body: JSON.stringify({ name: 'mine', [field]: BOB }) });
    const error = expectError(response, 400, 'INVALID_REQUEST');
    expect(error.message).toContain(`unknown field "${field}"`);
    expect(store.size).toBe(0);
  });

  it('gives each key a new id and secret', async () => {
    const first = await createKey();
    const second = await createKey();
    expect(second.id).not.toBe(first.id);
    expect(second.key).not.toBe(first.key);
  });

  it('creates a key that the authorizer then accepts for its owner', async () => {
    const created = await createKey({ body: '{"name":"x","scopes":["a","b"]}' });
    const verdict = await new KeyVerifier({ store, format, clock: () => now }).verify(`Bearer ${created.key}`);
    expect(verdict).toEqual({ valid: true, ownerId: ALICE, keyId: created.id, scopes: ['a', 'b'] });
  });

  describe('body handling', () => {
    it('decodes a base64-encoded body', async () => {
      const body = Buffer.from(JSON.stringify({ name: 'from base64' })).toString('base64');
      const created = await createKey({ body, isBase64Encoded: true });
      expect(created.name).toBe('from base64');
    });

    it(`accepts a body of exactly ${MAX_BODY_BYTES} bytes`, async () => {
      const json = '{"name":"padded"}';
      const body = json + ' '.repeat(MAX_BODY_BYTES - json.length);
      expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
      await createKey({ body });
    });

    it(`refuses a body of ${MAX_BODY_BYTES + 1} bytes with 413`, async () => {
      const json = '{"name":"padded"}';
      const body = json + ' '.repeat(MAX_BODY_BYTES + 1 - json.length);
      expectError(await call('POST /keys', { body }), 413, 'PAYLOAD_TOO_LARGE');
      expect(store.size).toBe(0);
    });

    it('counts bytes, not characters: multi-byte text over the limit is refused', async () => {
      const name = 'é'.repeat(MAX_BODY_BYTES / 2);
      expect(name.length).toBeLessThan(MAX_BODY_BYTES);
      expectError(await call('POST /keys', { body: JSON.stringify({ name }) }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('measures a base64 body after decoding: larger encoded but within the limit decoded is accepted', async () => {
      const json = '{"name":"padded"}';
      const body = Buffer.from(json + ' '.repeat(15_000 - json.length)).toString('base64');
      expect(body.length).toBeGreaterThan(MAX_BODY_BYTES);
      await createKey({ body, isBase64Encoded: true });
    });

    it('refuses a base64 body whose decoded size is over the limit with 413', async () => {
      const body = Buffer.alloc(MAX_BODY_BYTES + 1, ' ').toString('base64');
      expectError(await call('POST /keys', { body, isBase64Encoded: true }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it.each([
      ['not JSON', 'name=ci'],
      ['truncated JSON', '{"name":"ci"'],
      ['base64 of not JSON', Buffer.from('<xml/>').toString('base64')],
    ])('answers 400 INVALID_JSON for %s', async (label, body) => {
      const response = await call('POST /keys', { body, isBase64Encoded: label.startsWith('base64') });
      expectError(response, 400, 'INVALID_JSON');
    });

    it.each([
      ['absent', null],
      ['empty', ''],
    ])('answers 400 MISSING_BODY when the body is %s', async (_label, body) => {
      expectError(await call('POST /keys', { body }), 400, 'MISSING_BODY');
    });

    it.each([
      ['a JSON array', '[]'],
      ['JSON null', 'null'],
      ['no name', '{}'],
      ['a blank name', '{"name":"   "}'],
      ['scopes that are not strings', '{"name":"x","scopes":[1]}'],
      ['an expiry in the past', '{"name":"x","expiresAt":"2020-01-01T00:00:00Z"}'],
      ['an expiry beyond the policy', '{"name":"x","expiresAt":"2030-01-01T00:00:00Z"}'],
    ])('answers 400 INVALID_REQUEST for %s', async (_label, body) => {
      expectError(await call('POST /keys', { body }), 400, 'INVALID_REQUEST');
      expect(store.size).toBe(0);
    });
  });

  describe('the per-user limit', () => {
    it(`answers 409 KEY_LIMIT_REACHED for the ${policy.maxKeysPerUser + 1}th active key`, async () => {
      for (let i = 0; i < policy.maxKeysPerUser; i += 1) await createKey();
      const error = expectError(await call('POST /keys'), 409, 'KEY_LIMIT_REACHED');
      expect(error.message).toContain(String(policy.maxKeysPerUser));
      expect(store.size).toBe(policy.maxKeysPerUser);
    });

    it("is per user: one user's keys do not count against another's", async () => {
      for (let i = 0; i < policy.maxKeysPerUser; i += 1) await createKey();
      await createKey({ token: bobToken });
    });

    it('frees a place when a key is revoked', async () => {
      const keys = [];
      for (let i = 0; i < policy.maxKeysPerUser; i += 1) keys.push(await createKey());
      expect((await call('DELETE /keys/{id}', { id: keys[0]?.id ?? '' })).statusCode).toBe(204);
      await createKey();
    });

    it('frees a place when a key expires', async () => {
      await createKey({ body: JSON.stringify({ name: 'short', expiresAt: new Date(NOW.getTime() + DAY_MS).toISOString() }) });
      for (let i = 1; i < policy.maxKeysPerUser; i += 1) await createKey();
      expectError(await call('POST /keys'), 409, 'KEY_LIMIT_REACHED');
      now = new Date(NOW.getTime() + DAY_MS);
      await createKey();
    });
  });
});

describe('GET /keys', () => {
  it("lists only the caller's keys, newest first, with status and no secret or hash", async () => {
    const first = await createKey({ body: '{"name":"first"}' });
    now = new Date(NOW.getTime() + 1000);
    const second = await createKey({ body: '{"name":"second","scopes":["orders:read"]}' });
    const bobs = await createKey({ token: bobToken, body: '{"name":"bob"}' });

    const response = await call('GET /keys');
    expect(response.statusCode).toBe(200);
    const { keys } = json(response) as { keys: Record<string, unknown>[] };
    expect(keys.map((k) => k.id)).toEqual([second.id, first.id]);
    expect(keys[0]).toEqual({
      id: second.id,
      name: 'second',
      scopes: ['orders:read'],
      createdAt: new Date(NOW.getTime() + 1000).toISOString(),
      expiresAt: second.expiresAt,
      status: 'active',
      enabled: true,
    });
    for (const key of keys) {
      for (const field of ['key', 'secret', 'secretHash', 'ownerId']) expect(key).not.toHaveProperty(field);
    }
    for (const created of [first, second, bobs]) {
      expect(response.body).not.toContain(created.key);
      expect(response.body).not.toContain(store.peek(created.id)?.secretHash);
    }
    expect(response.body).not.toContain(bobs.id);
  });

  it('shows revoked and expired keys with their status', async () => {
    const revoked = await createKey({ body: '{"name":"revoked"}' });
    const expiring = await createKey({
      body: JSON.stringify({ name: 'expiring', expiresAt: new Date(NOW.getTime() + DAY_MS).toISOString() }),
    });
    await call('DELETE /keys/{id}', { id: revoked.id });
    now = new Date(NOW.getTime() + 2 * DAY_MS);
    const { keys } = json(await call('GET /keys')) as { keys: { id: string; status: string }[] };
    expect(Object.fromEntries(keys.map((k) => [k.id, k.status]))).toEqual({ [revoked.id]: 'revoked', [expiring.id]: 'expired' });
  });

  it('answers an empty list to a user without keys', async () => {
    await createKey();
    const response = await call('GET /keys', { token: bobToken });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ keys: [] });
  });
});

describe('GET /keys/{id}', () => {
  it('answers 200 with the view of an own key', async () => {
    const created = await createKey({ body: '{"name":"mine","scopes":["a"]}' });
    const response = await call('GET /keys/{id}', { id: created.id });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      id: created.id,
      name: 'mine',
      scopes: ['a'],
      createdAt: created.createdAt,
      expiresAt: created.expiresAt,
      status: 'active',
      enabled: true,
    });
    expect(response.body).not.toContain(created.key);
  });

  it("answers 404 for another user's key exactly as for a missing one", async () => {
    const bobs = await createKey({ token: bobToken });
    const missing = format.generate().keyId;
    const forOther = expectError(await call('GET /keys/{id}', { id: bobs.id }), 404, 'KEY_NOT_FOUND');
    const forMissing = expectError(await call('GET /keys/{id}', { id: missing }), 404, 'KEY_NOT_FOUND');
    expect(forOther.message.replace(bobs.id, '<id>')).toBe(forMissing.message.replace(missing, '<id>'));
  });

  it('answers 404 for an id that is not even well-formed, without reading the store', async () => {
    expectError(await call('GET /keys/{id}', { id: 'owner#auth0|bob' }), 404, 'KEY_NOT_FOUND');
    expect(store.getKeyCalls).toBe(0);
  });

  it('answers 400 when the path parameter is missing', async () => {
    expectError(await call('GET /keys/{id}'), 400, 'INVALID_REQUEST');
  });
});

describe('DELETE /keys/{id}', () => {
  it('answers 204 with no body, and again for a key already revoked', async () => {
    const created = await createKey();
    const first = await call('DELETE /keys/{id}', { id: created.id });
    expect(first.statusCode).toBe(204);
    expect(first.body).toBeUndefined();
    const second = await call('DELETE /keys/{id}', { id: created.id });
    expect(second.statusCode).toBe(204);
    expect(store.peek(created.id)?.revokedAt).toBe(NOW.toISOString());
  });

  it('stops the key from working', async () => {
    const created = await createKey();
    await call('DELETE /keys/{id}', { id: created.id });
    const verdict = await new KeyVerifier({ store, format, clock: () => now }).verify(`Bearer ${created.key}`);
    expect(verdict).toMatchObject({ valid: false, code: 'REVOKED' });
  });

  it('answers 404 to another user, and the key keeps working for its owner', async () => {
    const created = await createKey();
    expectError(await call('DELETE /keys/{id}', { id: created.id, token: bobToken }), 404, 'KEY_NOT_FOUND');
    expect(store.peek(created.id)?.revokedAt).toBeUndefined();
    const verdict = await new KeyVerifier({ store, format, clock: () => now }).verify(`Bearer ${created.key}`);
    expect(verdict).toEqual({ valid: true, ownerId: ALICE, keyId: created.id, scopes: [] });
    const view = json(await call('GET /keys/{id}', { id: created.id })) as { status: string };
    expect(view.status).toBe('active');
  });

  it('answers 404 for a key that does not exist', async () => {
    expectError(await call('DELETE /keys/{id}', { id: format.generate().keyId }), 404, 'KEY_NOT_FOUND');
  });
});

describe('authentication', () => {
  const routes: Route[] = ['POST /keys', 'GET /keys', 'GET /keys/{id}', 'DELETE /keys/{id}'];

  it.each(routes)('%s without a token → 401 MISSING_TOKEN with WWW-Authenticate, touching no key', async (route) => {
    const created = await createKey();
    const response = await call(route, { token: null, id: created.id });
    expectError(response, 401, 'MISSING_TOKEN');
    expect(response.headers?.['www-authenticate']).toBe('Bearer');
    expect(store.size).toBe(1);
    expect(store.peek(created.id)?.revokedAt).toBeUndefined();
  });

  it.each(routes)('%s with an invalid token → 401 INVALID_TOKEN', async (route) => {
    const expired = await tokens.signToken({ sub: ALICE, exp: Math.floor(Date.now() / 1000) - 60 });
    const response = await call(route, { token: expired, id: format.generate().keyId });
    expectError(response, 401, 'INVALID_TOKEN');
    expect(response.headers?.['www-authenticate']).toBe('Bearer');
    expect(response.body).not.toContain(expired);
  });

  it('answers 403 INSUFFICIENT_SCOPE when a required scope is configured and missing', async () => {
    handlers = buildHandlers({
      keys: new KeyService({ store, format, policy, clock: () => now }),
      tokens: createTestVerifier(tokens, { requiredScope: 'keys:manage' }).verifier,
      logger,
    });
    expectError(await call('GET /keys'), 403, 'INSUFFICIENT_SCOPE');
    const scoped = await tokens.signToken({ sub: ALICE, scope: 'keys:manage' });
    expect((await call('GET /keys', { token: scoped })).statusCode).toBe(200);
  });

  it('answers 503 IDP_UNAVAILABLE with Retry-After when the JWKS cannot be fetched', async () => {
    handlers = buildHandlers({
      keys: new KeyService({ store, format, policy, clock: () => now }),
      tokens: createTestVerifier(tokens, { fetcher: failingFetcher() }).verifier,
      logger,
    });
    const response = await call('GET /keys');
    expectError(response, 503, 'IDP_UNAVAILABLE');
    expect(response.headers?.['retry-after']).toBe('1');
  });
});

describe('store failures', () => {
  const storeDown = () => new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE');

  it.each<[Route, 'insertKey' | 'listKeys' | 'getKey' | 'revokeKey']>([
    ['POST /keys', 'insertKey'],
    ['GET /keys', 'listKeys'],
    ['GET /keys/{id}', 'getKey'],
    ['DELETE /keys/{id}', 'revokeKey'],
  ])('%s: a DependencyUnavailableError from the store → 503 with its code and Retry-After', async (route, operation) => {
    store.failNext(storeDown(), operation);
    const response = await call(route, { id: format.generate().keyId });
    expectError(response, 503, 'STORE_UNAVAILABLE');
    expect(response.headers?.['retry-after']).toBe('1');
  });

  it.each<[Route, 'insertKey' | 'listKeys' | 'getKey' | 'revokeKey']>([
    ['POST /keys', 'insertKey'],
    ['GET /keys', 'listKeys'],
    ['GET /keys/{id}', 'getKey'],
    ['DELETE /keys/{id}', 'revokeKey'],
  ])('%s: an unexpected error → 500 INTERNAL_ERROR, saying nothing of the cause', async (route, operation) => {
    const failure = new Error('ECONNRESET while talking to arn:aws:dynamodb:eu-west-1:123456789012:table/ApiKeys');
    store.failNext(failure, operation);
    const response = await call(route, { id: format.generate().keyId });
    const body = expectError(response, 500, 'INTERNAL_ERROR');
    expect(body.message).toBe('Something went wrong on our side');
    expect(response.body).not.toContain('ECONNRESET');
    expect(response.body).not.toContain('arn:aws');
    expect(logger.error).toHaveBeenCalledWith(
      'request failed',
      expect.objectContaining({ route, sub: ALICE, status: 500, errorMessage: failure.message }),
    );
  });

  it('a failed create leaves nothing behind and the next create succeeds', async () => {
    store.failNext(new Error('throttled'), 'insertKey');
    expect((await call('POST /keys')).statusCode).toBe(500);
    expect(store.size).toBe(0);
    await createKey();
  });
});

describe('logging', () => {
  it('logs each request by route, caller and status', async () => {
    await createKey();
    expect(logger.info).toHaveBeenCalledWith('request', { route: 'POST /keys', sub: ALICE, status: 201 });
    await call('GET /keys', { token: null });
    expect(logger.info).toHaveBeenCalledWith('request', { route: 'GET /keys', sub: undefined, status: 401 });
  });

  it('never logs a created key, its secret or hash, or an access token', async () => {
    const created = await createKey({ body: '{"name":"logged?"}' });
    await call('GET /keys');
    await call('GET /keys/{id}', { id: created.id });
    await call('DELETE /keys/{id}', { id: created.id, token: bobToken });
    await call('DELETE /keys/{id}', { id: created.id });
    const expired = await tokens.signToken({ sub: ALICE, exp: Math.floor(Date.now() / 1000) - 60 });
    await call('GET /keys', { token: expired });
    await call('GET /keys', { token: 'not.a.jwt' });
    store.failNext(new Error('boom'), 'listKeys');
    await call('GET /keys');

    const parsed = format.parse(created.key);
    if (!parsed.ok) throw new Error('the created key does not parse');
    const logged = loggedText();
    expect(logger.info.mock.calls.length + logger.error.mock.calls.length).toBeGreaterThanOrEqual(8);
    for (const secret of [created.key, parsed.key.secret, hashSecret(parsed.key.secret), aliceToken, bobToken, expired]) {
      expect(logged).not.toContain(secret);
    }
    for (const part of [...aliceToken.split('.'), ...expired.split('.')]) expect(logged).not.toContain(part);
  });
});
