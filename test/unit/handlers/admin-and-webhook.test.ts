import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { KeyStateConflictError } from '../../../lambdas/domain/errors';
import { AdminAccess } from '../../../lambdas/auth/admin-access';
import { CachedWebhookToken, type WebhookTokenSource } from '../../../lambdas/auth/webhook-token';
import type { StoredKey } from '../../../lambdas/domain/api-key';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyService } from '../../../lambdas/domain/key-service';
import { OwnerKeys } from '../../../lambdas/domain/owner-keys';
import { OwnerLifecycle } from '../../../lambdas/domain/owner-lifecycle';
import { createAdminListKeysHandler, createAdminRevokeKeysHandler, type AdminDependencies } from '../../../lambdas/handlers/admin-keys';
import { createAuth0WebhookHandler, MAX_WEBHOOK_BODY_BYTES } from '../../../lambdas/handlers/auth0-webhook';
import { createOwnerEventsHandler } from '../../../lambdas/handlers/owner-events';
import type { HttpResponse } from '../../../lambdas/http/responses';
import type { AppLogger } from '../../../lambdas/observability/logger';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';
import { storedTestKey, testKeyPolicy } from '../../support/key-policy';
import { managementEvent } from '../../support/management-event';
import { createTestVerifier, createTokenIssuer, type TokenIssuer } from '../../support/tokens';

const ADMIN_SCOPE = 'keys:admin';
const TARGET = 'auth0|65f1c2d3e4a5b6c7d8e9f012';
const OTHER = 'auth0|bystander';
const SUPPORT = 'auth0|support-agent';
const NOW = new Date();
const FIXTURES = join(__dirname, '../../fixtures/auth0');
const fixtureText = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

type FakeLogger = { [K in keyof AppLogger]: jest.Mock };
const fakeLogger = (): FakeLogger => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() });

const json = (response: HttpResponse): any => JSON.parse(response.body ?? '');
/** What a 200 from the webhook says of each event: one summary, or (a batch) `{ results }`, one per event. */
const summaries = (response: HttpResponse): Record<string, unknown>[] => {
  const body = json(response);
  return Array.isArray(body.results) ? body.results : [body];
};

let tokens: TokenIssuer;
beforeAll(async () => {
  tokens = await createTokenIssuer();
});

let store: InMemoryKeyStore;
let logger: FakeLogger;
beforeEach(() => {
  store = new InMemoryKeyStore();
  logger = fakeLogger();
});

function seed(owner: string, overrides: Partial<StoredKey> = {}): StoredKey {
  const key = storedTestKey(owner, NOW, { expiresAt: Math.floor(NOW.getTime() / 1000) + 86_400, ...overrides });
  store.seed(key);
  return key;
}

describe('admin routes', () => {
  /** `null`: ADMIN_SCOPE unset. */
  const deps = (adminScope: string | null = ADMIN_SCOPE): AdminDependencies => {
    const policy = testKeyPolicy();
    return {
      keys: new KeyService({ store, format: new KeyFormat('uak'), policy }),
      ownerKeys: new OwnerKeys({ store, policy }),
      // As management-wiring.ts builds it: machine tokens allowed, no REQUIRED_SCOPE.
      tokens: new AdminAccess(createTestVerifier(tokens, { allowMachineTokens: true }).verifier, adminScope ?? undefined),
      logger,
    };
  };

  /** An admin route's event: `sub` as the (URL-decoded) path parameter, null for none. */
  function adminEvent(route: string, token: string | undefined, sub: string | null = TARGET, body?: string): APIGatewayProxyEventV2 {
    const event = managementEvent(route, {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    return sub === null ? event : { ...event, pathParameters: { sub } };
  }

  const personAdmin = () => tokens.signToken({ sub: SUPPORT, permissions: [ADMIN_SCOPE] });
  /** As Auth0 issues a client-credentials token: `gty`, and `sub` = `<azp>@clients`. */
  const machineToken = (clientId: string, scope: string) =>
    tokens.signToken({ sub: `${clientId}@clients`, azp: clientId, gty: 'client-credentials', scope });
  const machineAdmin = () => machineToken('support-tool', `read ${ADMIN_SCOPE}`);

  const list = async (token: string | undefined, sub: string | null = TARGET, adminScope?: string, query?: Record<string, string>) => {
    const event = adminEvent('GET /admin/users/{sub}/keys', token, sub);
    return createAdminListKeysHandler(deps(adminScope))(query === undefined ? event : { ...event, queryStringParameters: query });
  };
  const revokeAll = async (token: string | undefined, sub: string | null = TARGET, body?: string) =>
    createAdminRevokeKeysHandler(deps())(adminEvent('POST /admin/users/{sub}/revoke-keys', token, sub, body));

  describe('who may call them', () => {
    it('admits a person whose token carries ADMIN_SCOPE in its permissions', async () => {
      seed(TARGET);
      const response = await list(await personAdmin());
      expect(response.statusCode).toBe(200);
      expect(json(response).keys).toHaveLength(1);
    });

    it('refuses a person whose token has ADMIN_SCOPE only in its scope (a person can ask Auth0 for any scope): 403', async () => {
      seed(TARGET);
      for (const claims of [
        { scope: ADMIN_SCOPE },
        { scope: ADMIN_SCOPE, permissions: [] },
        { scope: ADMIN_SCOPE, permissions: ['read'] },
      ]) {
        const response = await list(await tokens.signToken({ sub: SUPPORT, ...claims }));
        expect(response.statusCode).toBe(403);
        expect(json(response)).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      }
    });

    it('admits a machine-to-machine token whose scope (its client grant) carries ADMIN_SCOPE', async () => {
      expect((await list(await machineAdmin())).statusCode).toBe(200);
    });

    it('refuses a machine token without the scope, and a person without the permission', async () => {
      const machine = await machineToken('tool', 'read');
      const person = await tokens.signToken({ sub: SUPPORT, permissions: ['keys:read'] });
      expect((await list(machine)).statusCode).toBe(403);
      expect((await list(person)).statusCode).toBe(403);
      expect((await revokeAll(person)).statusCode).toBe(403);
    });

    // Failed at 03fa69a (access-token-verifier.ts isMachineToken, used for Principal.machine): any token whose sub ends
    // in "@clients" counted as a machine's, so its self-requested `scope` made a person an admin.
    it('refuses a person whose user id merely ends in @clients, with ADMIN_SCOPE in the scope they asked for', async () => {
      for (const claims of [{ sub: 'jane@clients' }, { sub: 'jane@clients', azp: 'spa-client' }, { sub: 'spa@clients', azp: 'spa' }]) {
        const response = await list(await tokens.signToken({ ...claims, scope: ADMIN_SCOPE }));
        expect(response.statusCode).toBe(403);
      }
    });

    it('refuses everyone while ADMIN_SCOPE is unset, and says the routes are off', async () => {
      const response = await createAdminListKeysHandler(deps(null))(adminEvent('GET /admin/users/{sub}/keys', await personAdmin()));
      expect(response.statusCode).toBe(403);
      expect(json(response).message).toMatch(/ADMIN_SCOPE is not set/);
      const machine = await createAdminListKeysHandler(deps(null))(adminEvent('GET /admin/users/{sub}/keys', await machineAdmin()));
      expect(machine.statusCode).toBe(403);
    });

    it('answers 401 without a valid token, and changes nothing', async () => {
      const key = seed(TARGET);
      expect((await list(undefined)).statusCode).toBe(401);
      expect((await revokeAll(undefined)).statusCode).toBe(401);
      expect((await revokeAll('not.a.token')).statusCode).toBe(401);
      expect(store.peek(key.keyId)?.revokedAt).toBeUndefined();
    });
  });

  describe('the user id in the path', () => {
    it.each([
      ['a control character', 'auth0|abc\u0000'],
      ['a newline', 'auth0|abc\ndef'],
      ['leading or trailing space', ' auth0|abc'],
      ['more than 255 characters', `auth0|${'a'.repeat(250)}`],
    ])('refuses one with %s: 400', async (_what, sub) => {
      const response = await list(await personAdmin(), sub);
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({ code: 'INVALID_REQUEST' });
      expect(response.body).not.toContain(sub);
    });

    it('refuses a missing one: 400', async () => {
      expect((await list(await personAdmin(), null)).statusCode).toBe(400);
      expect((await revokeAll(await personAdmin(), null)).statusCode).toBe(400);
    });

    it('takes any printable id of up to 255 characters, as Auth0 ids are', async () => {
      const sub = `google-oauth2|${'1'.repeat(255 - 'google-oauth2|'.length)}`;
      seed(sub);
      const response = await list(await personAdmin(), sub);
      expect(response.statusCode).toBe(200);
      expect(json(response).keys).toHaveLength(1);
    });
  });

  describe('GET /admin/users/{sub}/keys', () => {
    it("lists exactly that user's keys, never a hash or a secret", async () => {
      const keys = [seed(TARGET), seed(TARGET, { revokedAt: NOW.toISOString() })];
      seed(OTHER);
      const response = await list(await personAdmin());
      const body = json(response);
      expect(body.keys.map((key: { id: string }) => key.id).sort()).toEqual(keys.map((key) => key.keyId).sort());
      for (const key of keys) expect(response.body).not.toContain(key.secretHash);
      expect(response.body).not.toMatch(/secretHash|"key"|uak_/);
      for (const key of body.keys) expect(Object.keys(key).sort()).toEqual(expect.not.arrayContaining(['secretHash', 'key', 'secret']));
    });

    it('pages and filters as GET /keys does', async () => {
      seed(TARGET, { createdAt: '2026-01-01T00:00:00.000Z' });
      seed(TARGET, { createdAt: '2026-01-02T00:00:00.000Z', revokedAt: '2026-01-03T00:00:00.000Z' });
      seed(TARGET, { createdAt: '2026-01-03T00:00:00.000Z' });
      const first = json(await list(await personAdmin(), TARGET, ADMIN_SCOPE, { limit: '2' }));
      expect(first.keys).toHaveLength(2);
      expect(typeof first.nextCursor).toBe('string');
      const second = json(await list(await personAdmin(), TARGET, ADMIN_SCOPE, { limit: '2', cursor: first.nextCursor }));
      expect(second.keys).toHaveLength(1);
      const revoked = json(await list(await personAdmin(), TARGET, ADMIN_SCOPE, { status: 'revoked' }));
      expect(revoked.keys.map((key: { status: string }) => key.status)).toEqual(['revoked']);
    });
  });

  describe('POST /admin/users/{sub}/revoke-keys', () => {
    it('revokes every live key of the user, counts them, and audits each with the admin as actor', async () => {
      const live = [seed(TARGET), seed(TARGET, { disabledAt: NOW.toISOString() })];
      const revoked = seed(TARGET, { revokedAt: '2026-01-01T00:00:00.000Z' });
      const expired = seed(TARGET, { expiresAt: Math.floor(NOW.getTime() / 1000) - 10 });
      const bystander = seed(OTHER);

      const response = await revokeAll(await personAdmin());

      expect(response.statusCode).toBe(200);
      expect(json(response)).toEqual({ revoked: 2 });
      for (const key of live) expect(store.peek(key.keyId)?.revokedAt).toBeDefined();
      expect(store.peek(revoked.keyId)).toEqual(revoked);
      expect(store.peek(expired.keyId)?.revokedAt).toBeUndefined();
      expect(store.peek(bystander.keyId)?.revokedAt).toBeUndefined();
      expect(store.events).toHaveLength(2);
      for (const event of store.events) expect(event).toMatchObject({ type: 'revoke', actor: SUPPORT, keyOwner: TARGET });
      expect(store.events.map((event) => event.keyId).sort()).toEqual(live.map((key) => key.keyId).sort());
    });

    it('names a machine admin as actor too, and counts nothing the second time', async () => {
      seed(TARGET);
      expect(json(await revokeAll(await machineAdmin()))).toEqual({ revoked: 1 });
      expect(store.events[0]?.actor).toBe('support-tool@clients');
      expect(json(await revokeAll(await machineAdmin()))).toEqual({ revoked: 0 });
      expect(store.events).toHaveLength(1);
    });

    it('takes no body or {}, and refuses any other body with 400, revoking nothing', async () => {
      const key = seed(TARGET);
      for (const body of ['{"all":true}', '[]', 'null', '"x"', 'not json']) {
        expect((await revokeAll(await personAdmin(), TARGET, body)).statusCode).toBe(400);
      }
      expect(store.peek(key.keyId)?.revokedAt).toBeUndefined();
      expect(json(await revokeAll(await personAdmin(), TARGET, '{}'))).toEqual({ revoked: 1 });
    });
  });
});

describe('POST /auth0/events (the webhook)', () => {
  const TOKEN = 'whk_0123456789abcdef0123456789abcdef';
  let lifecycle: OwnerLifecycle;

  beforeEach(() => {
    const policy = testKeyPolicy();
    lifecycle = new OwnerLifecycle(store, new OwnerKeys({ store, policy }));
  });

  const source = (current: () => Promise<string> = () => Promise.resolve(TOKEN)): WebhookTokenSource & { current: jest.Mock } => ({
    current: jest.fn(current),
  });

  /** The webhook's request; counts how often its body is read. */
  function webhookEvent(authorization: string | undefined, body: string | undefined, isBase64Encoded: boolean) {
    const event: APIGatewayProxyEventV2 = {
      ...managementEvent('POST /auth0/events', authorization === undefined ? {} : { authorization }),
      isBase64Encoded,
    };
    const reads = { count: 0 };
    Object.defineProperty(event, 'body', {
      enumerable: true,
      get: () => {
        reads.count += 1;
        return body;
      },
    });
    return { event, reads };
  }

  const call = (tokenSource: WebhookTokenSource, authorization: string | undefined, body: string | undefined, isBase64Encoded = false) => {
    const { event, reads } = webhookEvent(authorization, body, isBase64Encoded);
    const apply = jest.spyOn(lifecycle, 'apply');
    return createAuth0WebhookHandler({ lifecycle, logger, token: tokenSource })(event).then((response) => ({ response, reads, apply }));
  };

  it.each([
    ['no Authorization header', undefined],
    ['another scheme', `Basic ${TOKEN}`],
    ['a wrong token', 'Bearer whk_not-the-stream-token-000000000000'],
    ['the token with a suffix', `Bearer ${TOKEN}x`],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 for %s, before reading the body', async (_what, authorization) => {
    const { response, reads, apply } = await call(source(), authorization, 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 10));
    expect(response.statusCode).toBe(401);
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
    expect(reads.count).toBe(0);
    expect(apply).not.toHaveBeenCalled();
  });

  it('answers 503, which Auth0 retries, when keys kept changing under the report (never a 409, which it would drop)', async () => {
    jest.spyOn(lifecycle, 'apply').mockRejectedValue(new KeyStateConflictError('kept changing', 'CONCURRENT_CHANGE'));
    const { event } = webhookEvent(`Bearer ${TOKEN}`, fixtureText('events-webhook-user-deleted.json'), false);
    const response = await createAuth0WebhookHandler({ lifecycle, logger, token: source() })(event);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
  });

  it('answers 413 for a body over MAX_WEBHOOK_BODY_BYTES, and applies nothing', async () => {
    const { response, apply } = await call(source(), `Bearer ${TOKEN}`, ' '.repeat(MAX_WEBHOOK_BODY_BYTES + 1));
    expect(response.statusCode).toBe(413);
    expect(json(response)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(apply).not.toHaveBeenCalled();
  });

  it('reads a body of exactly MAX_WEBHOOK_BODY_BYTES, and counts a base64 body by its decoded bytes', async () => {
    const event = fixtureText('events-webhook-user-created.json');
    const padded = event + ' '.repeat(MAX_WEBHOOK_BODY_BYTES - Buffer.byteLength(event));
    expect((await call(source(), `Bearer ${TOKEN}`, padded)).response.statusCode).toBe(200);
    const encoded = Buffer.from(padded).toString('base64');
    expect(encoded.length).toBeGreaterThan(MAX_WEBHOOK_BODY_BYTES);
    expect((await call(source(), `Bearer ${TOKEN}`, encoded, true)).response.statusCode).toBe(200);
  });

  it.each([
    ['not JSON', '{"specversion": ', 'INVALID_JSON'],
    ['empty', '', 'MISSING_BODY'],
    ['absent', undefined, 'MISSING_BODY'],
  ])('answers 400 for a body that is %s', async (_what, body, code) => {
    const { response, apply } = await call(source(), `Bearer ${TOKEN}`, body);
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ code });
    expect(apply).not.toHaveBeenCalled();
  });

  it("answers 200 once a deletion is applied, with what it did, and the user's keys are revoked", async () => {
    const key = seed(TARGET, { createdAt: '2025-01-01T00:00:00.000Z' });
    const { response } = await call(source(), `bearer ${TOKEN}`, fixtureText('events-webhook-user-deleted.json'));
    expect(response.statusCode).toBe(200);
    expect(summaries(response)).toEqual([
      { result: 'revoked', change: 'deleted', sub: TARGET, keys: 1, eventId: 'evt_7Yq2LmN9pR4sT6vW8xZ1aB' },
    ]);
    expect(store.peek(key.keyId)?.revokedAt).toBeDefined();
    expect(store.events[0]).toMatchObject({ actor: 'auth0:user.deleted' });
  });

  it('applies a batch of logs (a Custom Webhook log stream), answering one result per event', async () => {
    const key = seed(TARGET, { createdAt: '2025-01-01T00:00:00.000Z' });
    const batch = JSON.stringify([
      JSON.parse(fixtureText('logs-webhook-item-sapi-delete-user.json')),
      JSON.parse(fixtureText('events-webhook-user-created.json')),
    ]);
    const { response } = await call(source(), `Bearer ${TOKEN}`, batch);
    expect(response.statusCode).toBe(200);
    expect(summaries(response)).toEqual([
      expect.objectContaining({ result: 'revoked', change: 'deleted', sub: TARGET, keys: 1 }),
      expect.objectContaining({ result: 'ignored' }),
    ]);
    expect(store.peek(key.keyId)?.revokedAt).toBeDefined();
  });

  it('answers 200 for an event it ignores, saying why, and changes nothing', async () => {
    const key = seed(TARGET, { createdAt: '2025-01-01T00:00:00.000Z' });
    for (const body of [
      fixtureText('events-webhook-user-created.json'),
      fixtureText('events-webhook-user-updated-no-blocked.json'),
      '{}',
    ]) {
      const { response } = await call(source(), `Bearer ${TOKEN}`, body);
      expect(response.statusCode).toBe(200);
      expect(summaries(response).length).toBeGreaterThan(0);
      for (const summary of summaries(response)) expect(summary).toMatchObject({ result: 'ignored', reason: expect.any(String) });
    }
    expect(store.peek(key.keyId)).toEqual(key);
  });

  it('answers 503 WEBHOOK_TOKEN_UNAVAILABLE, retryable, when the token cannot be loaded', async () => {
    const failing = source(() => Promise.reject(new Error('AccessDeniedException: secretsmanager:GetSecretValue')));
    const { response, reads, apply } = await call(failing, `Bearer ${TOKEN}`, fixtureText('events-webhook-user-deleted.json'));
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    expect(json(response)).toMatchObject({ code: 'WEBHOOK_TOKEN_UNAVAILABLE' });
    expect(response.body).not.toContain('secretsmanager');
    expect(reads.count).toBe(0);
    expect(apply).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalled();
  });

  it('answers 503 when a secret too short to be a token is loaded (CachedWebhookToken)', async () => {
    const cached = new CachedWebhookToken(() => Promise.resolve('short'));
    expect((await call(cached, 'Bearer short', fixtureText('events-webhook-user-deleted.json'))).response.statusCode).toBe(503);
  });

  it('answers 503 when applying fails in the store, so Auth0 retries', async () => {
    seed(TARGET, { createdAt: '2025-01-01T00:00:00.000Z' });
    store.failNext(new DependencyUnavailableError('down', 'STORE_UNAVAILABLE'), 'revokeKey');
    const { response } = await call(source(), `Bearer ${TOKEN}`, fixtureText('events-webhook-user-deleted.json'));
    expect(response.statusCode).toBe(503);
    expect(json(response)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('never echoes the presented token or the body in its answer or logs', async () => {
    const { response } = await call(source(), 'Bearer whk_attacker-token-value-123456789', '{"secret":"body-value"}');
    const logged = JSON.stringify([...logger.info.mock.calls, ...logger.error.mock.calls]);
    for (const text of [response.body ?? '', logged]) {
      expect(text).not.toContain('attacker-token-value');
      expect(text).not.toContain(TOKEN);
    }
  });
});

describe('CachedWebhookToken', () => {
  it('reads the secret once, and again only after maxAgeMs', async () => {
    let clock = 0;
    let reads = 0;
    const read = jest.fn((): Promise<string> => Promise.resolve(`token-${'x'.repeat(40)}-${(reads += 1)}`));
    const cached = new CachedWebhookToken(read, 1000, () => clock);
    const first = await cached.current();
    clock = 1000;
    expect(await cached.current()).toBe(first);
    clock = 1001;
    expect(await cached.current()).not.toBe(first);
    expect(read).toHaveBeenCalledTimes(2);
  });
});

describe('the EventBridge target (owner-events handler)', () => {
  it('applies an event and answers what it did', async () => {
    const key = seed(TARGET, { createdAt: '2025-01-01T00:00:00.000Z' });
    const lifecycle = new OwnerLifecycle(store, new OwnerKeys({ store, policy: testKeyPolicy() }));
    const result = await createOwnerEventsHandler({ lifecycle, logger })(JSON.parse(fixtureText('logs-eventbridge-sapi-block-user.json')));
    expect(result).toMatchObject({ kind: 'applied', outcome: { change: 'blocked', action: 'disabled', keys: 1 } });
    expect(store.peek(key.keyId)?.disabledBy).toBe('auth0:user.blocked');
  });

  it('throws a fault, so EventBridge retries the event (and in the end dead-letters it)', async () => {
    const failure = new DependencyUnavailableError('down', 'STORE_UNAVAILABLE');
    const lifecycle = { apply: jest.fn(async () => Promise.reject(failure)) };
    await expect(createOwnerEventsHandler({ lifecycle, logger })(JSON.parse(fixtureText('logs-eventbridge-sdu.json')))).rejects.toBe(
      failure,
    );
    expect(logger.error).toHaveBeenCalledWith('auth0 event failed', expect.anything());
  });
});
