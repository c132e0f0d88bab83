import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AccessTokens, type TokenKeySource } from '../../../lambdas/domain/access-token';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { TokenExchange } from '../../../lambdas/domain/token-exchange';
import type { OAuthErrorCode } from '../../../lambdas/domain/token-request';
import { createTokenHandler } from '../../../lambdas/handlers/token';
import type { HttpResponse } from '../../../lambdas/http/responses';
import type { AppLogger } from '../../../lambdas/observability/logger';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { managementEvent } from '../../support/management-event';
import { singleTokenKey, STORMPATH_ID, STORMPATH_SECRET, basicHeader, aliceKeyItem } from '../../support/token-fixtures';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const FORM = 'application/x-www-form-urlencoded';
const format = new KeyFormat('uak');
const { keySource: workingKeys } = singleTokenKey(NOW);

const native = format.generate();

const basic = basicHeader;
const GRANT = 'grant_type=client_credentials';

type FakeLogger = { [K in keyof AppLogger]: jest.Mock };

interface TokenEventOptions {
  readonly authorization?: string;
  /** Default: the form type. `null`: no content-type header. */
  readonly contentType?: string | null;
  readonly body?: string;
  /** Send the body base64-encoded, as API Gateway does for some clients. */
  readonly base64?: boolean;
}

/** `POST /oauth/token` as API Gateway (HTTP API, payload 2.0) delivers it. */
function tokenEvent(options: TokenEventOptions = {}): APIGatewayProxyEventV2 {
  const { body, base64 = false } = options;
  const event = managementEvent('POST /oauth/token', {
    ...(options.authorization !== undefined ? { authorization: options.authorization } : {}),
    ...(body !== undefined ? { body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body } : {}),
    isBase64Encoded: base64,
  });
  const headers = { ...event.headers };
  delete headers['content-type'];
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? FORM;
  return { ...event, headers };
}

let store: InMemoryKeyStore;
let logger: FakeLogger;
let tokenKeys: TokenKeySource;
let handler: ReturnType<typeof createTokenHandler>;
/** Every token any response carried, to look for in the logs. */
let issued: string[];

const storedKey = (overrides: Partial<StoredKey> = {}): StoredKey => aliceKeyItem(native, NOW, overrides);

beforeEach(() => {
  store = new InMemoryKeyStore()
    .seed(storedKey())
    .seed(storedKey({ keyId: STORMPATH_ID, ownerId: 'auth0|bob', secretHash: hashSecret(STORMPATH_SECRET) }));
  logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  tokenKeys = workingKeys;
  issued = [];
  const exchange = new TokenExchange({
    store,
    format,
    tokens: new AccessTokens('uak', { current: () => tokenKeys.current(), byKid: (kid) => tokenKeys.byKid(kid) }),
    ttlSeconds: 3600,
    clock: () => NOW,
  });
  handler = createTokenHandler({ exchange, logger });
});

async function call(options: TokenEventOptions): Promise<HttpResponse> {
  const response = await handler(tokenEvent(options));
  const token = (JSON.parse(response.body ?? '{}') as { access_token?: unknown }).access_token;
  if (typeof token === 'string') issued.push(token);
  return response;
}

function loggedText(): string {
  return JSON.stringify(Object.values(logger).map((mock) => mock.mock.calls));
}

function expectNoStore(response: HttpResponse): void {
  expect(response.headers).toMatchObject({
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  });
}

/** RFC 6749 §5.2: the status, and a body of exactly { error, error_description }. */
function expectOAuthError(response: HttpResponse, status: 400 | 401, error: OAuthErrorCode): string {
  expect(response.statusCode).toBe(status);
  expectNoStore(response);
  const body = JSON.parse(response.body ?? '') as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
  expect(body.error_description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
  if (status === 401) expect(response.headers?.['www-authenticate']).toMatch(/^Basic /);
  else expect(response.headers?.['www-authenticate']).toBeUndefined();
  return body.error_description as string;
}

describe('POST /oauth/token grants a token (RFC 6749 §5.1)', () => {
  it('answers 200 with access_token, token_type Bearer, expires_in and scope, never cached', async () => {
    const response = await call({ authorization: basic(native.keyId, native.key), body: GRANT });
    expect(response.statusCode).toBe(200);
    expectNoStore(response);
    const body = JSON.parse(response.body ?? '');
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^uak_at_/),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'orders:read orders:write',
    });
    await expect(new AccessTokens('uak', workingKeys).check(body.access_token, NOW.getTime())).resolves.toMatchObject({
      ok: true,
      claims: { keyId: native.keyId },
    });
  });

  it('reads a base64-encoded body as the same request', async () => {
    const response = await call({ authorization: basic(native.keyId, native.key), body: `${GRANT}&scope=orders:read`, base64: true });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ scope: 'orders:read' });
  });

  it('grants a Stormpath pair sent raw, form-urlencoded first, or in the body', async () => {
    for (const options of [
      { authorization: basic(STORMPATH_ID, STORMPATH_SECRET), body: GRANT },
      { authorization: basic(STORMPATH_ID, encodeURIComponent(STORMPATH_SECRET)), body: GRANT },
      { body: `${GRANT}&client_id=${STORMPATH_ID}&client_secret=${encodeURIComponent(STORMPATH_SECRET)}` },
      { body: `${GRANT}&client_id=${STORMPATH_ID}&client_secret=${encodeURIComponent(STORMPATH_SECRET)}`, base64: true },
    ]) {
      const response = await call(options);
      expect(response.statusCode).toBe(200);
    }
  });

  it('logs the outcome and the key id', async () => {
    await call({ authorization: basic(STORMPATH_ID, STORMPATH_SECRET), body: GRANT });
    expect(logger.info).toHaveBeenCalledWith('token request', { outcome: 'issued', status: 200, keyId: STORMPATH_ID });
  });
});

describe('POST /oauth/token refuses in OAuth’s words (RFC 6749 §5.2)', () => {
  const auth = () => basic(native.keyId, native.key);

  it.each<[string, TokenEventOptions, 400 | 401, OAuthErrorCode]>([
    [
      'a JSON body',
      { authorization: 'x', contentType: 'application/json', body: '{"grant_type":"client_credentials"}' },
      400,
      'invalid_request',
    ],
    ['no content type', { contentType: null, body: GRANT }, 400, 'invalid_request'],
    ['no body', {}, 400, 'invalid_request'],
    ['no grant_type', { body: 'scope=orders:read' }, 400, 'invalid_request'],
    ['a repeated parameter', { body: `${GRANT}&${GRANT}` }, 400, 'invalid_request'],
    [
      'two client authentication methods',
      { body: `${GRANT}&client_id=${STORMPATH_ID}&client_secret=x`, authorization: 'Basic eDp5' },
      400,
      'invalid_request',
    ],
    ['a body over 8 KB', { body: `${GRANT}&pad=${'a'.repeat(9000)}` }, 400, 'invalid_request'],
    ['the password grant', { body: 'grant_type=password&username=a&password=b' }, 400, 'unsupported_grant_type'],
    [
      'a scope of spaces only',
      { authorization: basic(STORMPATH_ID, STORMPATH_SECRET), body: `${GRANT}&scope=%20%20` },
      400,
      'invalid_scope',
    ],
    ['no client credentials', { body: GRANT }, 401, 'invalid_client'],
    ['a Bearer header', { authorization: `Bearer ${native.key}`, body: GRANT }, 401, 'invalid_client'],
  ])('%s', async (_label, options, status, error) => {
    const response = await call(options);
    expectOAuthError(response, status, error);
    expect(store.getKeyCalls).toBe(0);
  });

  it('answers a scope the key lacks with 400 invalid_scope', async () => {
    expectOAuthError(await call({ authorization: auth(), body: `${GRANT}&scope=admin` }), 400, 'invalid_scope');
  });

  it('answers every failed client authentication with the same 401 invalid_client and Basic challenge', async () => {
    store.seed(storedKey({ keyId: 'TESTSTORMPATHKEYID0000002', secretHash: hashSecret(STORMPATH_SECRET), revokedAt: NOW.toISOString() }));
    const descriptions = new Set<string>();
    for (const options of [
      { authorization: basic(native.keyId, format.format(native.keyId, 'X'.repeat(43))), body: GRANT },
      { authorization: basic(STORMPATH_ID, `${STORMPATH_SECRET.slice(0, -1)}1`), body: GRANT },
      { authorization: basic('TESTSTORMPATHKEYID0000003', STORMPATH_SECRET), body: GRANT },
      { authorization: basic('TESTSTORMPATHKEYID0000002', STORMPATH_SECRET), body: GRANT },
      { authorization: basic(STORMPATH_ID, 'short'), body: GRANT },
      { body: `${GRANT}&client_id=${native.keyId}&client_secret=nope` },
    ]) {
      const response = await call(options);
      descriptions.add(expectOAuthError(response, 401, 'invalid_client'));
      expect(response.headers?.['www-authenticate']).toBe('Basic realm="oauth/token"');
    }
    expect(descriptions.size).toBe(1);
  });
});

describe('POST /oauth/token: faults', () => {
  it('answers a store fault with 503 STORE_UNAVAILABLE, and logs it as an error', async () => {
    store.failNext(new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE'), 'getKey');
    const response = await call({ authorization: basic(native.keyId, native.key), body: GRANT });
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store', 'retry-after': '1' });
    expect(JSON.parse(response.body ?? '')).toEqual({ code: 'STORE_UNAVAILABLE', message: expect.any(String) });
    expect(logger.error).toHaveBeenCalledWith(
      'token request failed',
      expect.objectContaining({ status: 503, errorName: 'DependencyUnavailableError' }),
    );
  });

  it('answers a signing key that cannot be loaded with 503 SIGNING_KEY_UNAVAILABLE', async () => {
    tokenKeys = { current: () => Promise.reject(new Error('Secrets Manager timed out')), byKid: () => Promise.resolve(undefined) };
    const response = await call({ authorization: basic(native.keyId, native.key), body: GRANT });
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ code: 'SIGNING_KEY_UNAVAILABLE' });
  });

  it('answers anything unexpected with a bare 500', async () => {
    store.failNext(new TypeError('boom'), 'getKey');
    const response = await call({ authorization: basic(native.keyId, native.key), body: GRANT });
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(response.body).not.toContain('boom');
  });
});

describe('POST /oauth/token logs no secret, key or token', () => {
  it('in any outcome, however the credentials came', async () => {
    const encodedSecret = encodeURIComponent(STORMPATH_SECRET);
    const requests: TokenEventOptions[] = [
      { authorization: basic(native.keyId, native.key), body: GRANT },
      { authorization: basic(native.keyId, native.key), body: GRANT, base64: true },
      { authorization: basic(STORMPATH_ID, STORMPATH_SECRET), body: GRANT },
      { authorization: basic(STORMPATH_ID, encodedSecret), body: GRANT },
      { body: `${GRANT}&client_id=${STORMPATH_ID}&client_secret=${encodedSecret}` },
      // The key pasted as the client id, the secret as the id, the key as a scope: still not logged.
      { body: `${GRANT}&client_id=${native.key}&client_secret=${native.key}` },
      { body: `${GRANT}&client_id=${native.secret}&client_secret=x` },
      { body: `${GRANT}&client_id=${encodedSecret}&client_secret=x` },
      { authorization: basic(native.keyId, native.key), body: `${GRANT}&scope=${native.key}` },
      { authorization: basic(STORMPATH_ID, STORMPATH_SECRET), body: `${GRANT}&scope=orders:read&scope=x` },
      { authorization: basic(STORMPATH_ID, STORMPATH_SECRET), body: 'grant_type=password' },
      { authorization: `Bearer ${native.key}`, body: GRANT },
      { authorization: basic(native.keyId, native.key), contentType: 'application/json', body: GRANT },
    ];
    for (const options of requests) await call(options);
    store.failNext(
      new DependencyUnavailableError('The key store is unavailable; try again shortly', 'STORE_UNAVAILABLE', {
        cause: new Error('timeout'),
      }),
    );
    await call({ authorization: basic(STORMPATH_ID, STORMPATH_SECRET), body: GRANT });
    tokenKeys = { current: () => Promise.reject(new Error('no key')), byKid: () => Promise.resolve(undefined) };
    await call({ authorization: basic(native.keyId, native.key), body: GRANT });

    expect(issued.length).toBeGreaterThanOrEqual(4);
    const logged = loggedText();
    expect(logger.info.mock.calls.length + logger.error.mock.calls.length).toBe(requests.length + 2);
    for (const secret of [
      native.key,
      native.secret,
      STORMPATH_SECRET,
      encodedSecret,
      hashSecret(native.secret),
      hashSecret(STORMPATH_SECRET),
      ...issued,
    ]) {
      expect(logged).not.toContain(secret);
    }
    // The part of a token after its marker is as secret as the whole.
    for (const token of issued) expect(logged).not.toContain(token.slice(token.lastIndexOf('.') + 1));
    expect(logged).toContain(native.keyId);
    expect(logged).toContain(STORMPATH_ID);
  });
});
