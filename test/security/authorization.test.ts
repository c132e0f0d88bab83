/**
 * Security tier: the key-management routes act only for the verified token's
 * `sub`, accept no server-owned field from the client, and never reveal a key,
 * a secret, a hash or a token, in responses or logs.
 *
 * The handlers run with a real KeyService over the in-memory store, a real
 * AccessTokenVerifier (JWKS in-process) and, for "is the key still valid",
 * the real authorizer over the same store (management-harness.ts).
 */
import type { HttpResponse } from '../../lambdas/http/responses';
import { hashSecret } from '../../lambdas/domain/secret-hash';
import type { KeyPolicy } from '../../lambdas/domain/key-policy';
import { createTokenIssuer, type TokenIssuer } from '../support/tokens';
import {
  bodyOf,
  createHarness,
  jsonSafe,
  managementEvent,
  ROUTES,
  type CreatedKey,
  type Harness,
  type RequestOptions,
  type Route,
} from './management-harness';
import { testKeyPolicy } from '../support/key-policy';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const ALICE = 'auth0|alice';
const BOB = 'auth0|bob';
const policy: KeyPolicy = testKeyPolicy({ maxKeysPerUser: 20 });

let tokens: TokenIssuer;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  tokens = await createTokenIssuer();
  aliceToken = await tokens.signToken({ sub: ALICE });
  bobToken = await tokens.signToken({ sub: BOB });
});

let now: Date;
let harness: Harness;

beforeEach(() => {
  now = NOW;
  harness = createHarness(tokens, policy, () => now);
});

// Shorthands: requests are Alice's unless a token is given.
const call = (route: Route, options: Partial<RequestOptions> = {}): Promise<HttpResponse> =>
  harness.call(route, { token: aliceToken, ...options });
const createKey = (token = aliceToken, name = 'ci deploy'): Promise<CreatedKey> =>
  harness.createKey(token, JSON.stringify({ name, scopes: ['orders:read'] }));
const authorize = (authorization: string): Promise<boolean> => harness.authorize(authorization);

/** The 404 for an id, with the id itself blanked, so two 404s can be compared. */
function notFoundShape(response: HttpResponse, id: string): unknown {
  expect(response.statusCode).toBe(404);
  return { ...response, body: response.body?.split(id).join('<id>') };
}

describe("another owner's key is out of reach: 404, as if it did not exist, and nothing changes", () => {
  it("GET /keys/{id} of Alice's key by Bob → 404 KEY_NOT_FOUND, the same answer as for a key that never existed", async () => {
    const alice = await createKey();
    const neverCreated = harness.format.generate().keyId;
    const bobsView = await call('GET /keys/{id}', { token: bobToken, id: alice.id });
    expect(bodyOf(bobsView)).toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(notFoundShape(bobsView, alice.id)).toEqual(
      notFoundShape(await call('GET /keys/{id}', { token: bobToken, id: neverCreated }), neverCreated),
    );
    expect(bobsView.body).not.toContain(alice.name);
  });

  it("DELETE /keys/{id} of Alice's key by Bob → 404, the stored key untouched, and it still works for Alice", async () => {
    const alice = await createKey();
    const before = harness.store.peek(alice.id);
    const neverCreated = harness.format.generate().keyId;
    const bobsRevoke = await call('DELETE /keys/{id}', { token: bobToken, id: alice.id });
    expect(bodyOf(bobsRevoke)).toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(notFoundShape(bobsRevoke, alice.id)).toEqual(
      notFoundShape(await call('DELETE /keys/{id}', { token: bobToken, id: neverCreated }), neverCreated),
    );
    expect(harness.store.peek(alice.id)).toEqual(before);
    expect(harness.store.size).toBe(1);
    await expect(authorize(`Bearer ${alice.key}`)).resolves.toBe(true);
    expect(bodyOf(await call('GET /keys/{id}', { id: alice.id }))).toMatchObject({ id: alice.id, status: 'active' });
  });

  it('Bob gets 404 again and again, and still 404 once Alice has revoked it herself (no "already revoked" tell)', async () => {
    const alice = await createKey();
    for (let i = 0; i < 3; i += 1) expect((await call('DELETE /keys/{id}', { token: bobToken, id: alice.id })).statusCode).toBe(404);
    expect((await call('DELETE /keys/{id}', { id: alice.id })).statusCode).toBe(204);
    expect((await call('DELETE /keys/{id}', { token: bobToken, id: alice.id })).statusCode).toBe(404);
    expect((await call('GET /keys/{id}', { token: bobToken, id: alice.id })).statusCode).toBe(404);
  });

  it("GET /keys lists only the caller's own keys", async () => {
    const alice = await createKey();
    const bob = await createKey(bobToken, 'bob script');
    const bobsList = bodyOf(await call('GET /keys', { token: bobToken }));
    expect(bobsList.keys.map((k: { id: string }) => k.id)).toEqual([bob.id]);
    const alicesList = bodyOf(await call('GET /keys'));
    expect(alicesList.keys.map((k: { id: string }) => k.id)).toEqual([alice.id]);
  });

  it("the owner is the verified token's sub, not the claims API Gateway put in the event", async () => {
    const alice = await createKey();
    const event = managementEvent('DELETE /keys/{id}', { token: bobToken, id: alice.id });
    const claims = (event.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, string> } } }).authorizer.jwt.claims;
    claims.sub = ALICE;
    expect((await harness.handlers['DELETE /keys/{id}'](event)).statusCode).toBe(404);
    await expect(authorize(`Bearer ${alice.key}`)).resolves.toBe(true);
  });

  it.each<[string, (id: string) => string]>([
    ["the owner item's id", () => `owner#${ALICE}`],
    ['the id with a trailing space', (id) => `${id} `],
    ['the id percent-encoded', (id) => encodeURIComponent(`${id}/`)],
    ['a path traversal', (id) => `../${id}`],
  ])('an id that is not a well-formed key id (%s) → 404 for its owner too, without a store read', async (_label, mangle) => {
    const alice = await createKey();
    const reads = harness.store.getKeyCalls;
    const id = mangle(alice.id);
    expect((await call('GET /keys/{id}', { id })).statusCode).toBe(404);
    expect((await call('DELETE /keys/{id}', { id })).statusCode).toBe(404);
    expect(harness.store.getKeyCalls).toBe(reads);
    expect(harness.store.peek(alice.id)?.revokedAt).toBeUndefined();
  });

  it('the id in another letter case is another id: 404 for its owner, the key untouched', async () => {
    const alice = await createKey();
    const other = alice.id === alice.id.toUpperCase() ? alice.id.toLowerCase() : alice.id.toUpperCase();
    expect((await call('GET /keys/{id}', { id: other })).statusCode).toBe(404);
    expect((await call('DELETE /keys/{id}', { id: other })).statusCode).toBe(404);
    await expect(authorize(`Bearer ${alice.key}`)).resolves.toBe(true);
  });

  it('a machine-to-machine token creates nothing → 403 MACHINE_TOKEN', async () => {
    const machine = await tokens.signToken({ sub: 'k5u3o2fiAA8XweXEEX604KCwCjzjtMU6@clients', gty: 'client-credentials' });
    const response = await call('POST /keys', { token: machine });
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ code: 'MACHINE_TOKEN' });
    expect(harness.store.size).toBe(0);
  });
});

describe('a create body may not set any server-owned field: 400 naming the field, and nothing stored', () => {
  it.each<[string, unknown]>([
    ['owner', BOB],
    ['ownerId', BOB],
    ['sub', BOB],
    ['secretHash', hashSecret('chosen-by-the-client')],
    ['hash', hashSecret('chosen-by-the-client')],
    ['status', 'active'],
    ['id', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['keyId', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['createdAt', '2020-01-01T00:00:00Z'],
    ['revokedAt', null],
    ['key', 'uak_AAAAAAAAAAAAAAAAAAAAAA_chosen'],
    ['secret', 'chosen-by-the-client'],
    ['lastUsedAt', '2020-01-01T00:00:00Z'],
    ['__proto__', { ownerId: BOB }],
    ['constructor', { prototype: { ownerId: BOB } }],
  ])('"%s"', async (field, value) => {
    const body = `{"name":"ci deploy","scopes":["orders:read"],${JSON.stringify(field)}:${JSON.stringify(value)}}`;
    const response = await call('POST /keys', { body });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).code).toBe('INVALID_REQUEST');
    expect(bodyOf(response).message).toContain(`"${field}"`);
    expect(harness.store.size).toBe(0);
  });

  it('several at once are all named', async () => {
    const response = await call('POST /keys', {
      body: JSON.stringify({ name: 'x', ownerId: BOB, secretHash: 'f'.repeat(64), status: 'active' }),
    });
    expect(response.statusCode).toBe(400);
    for (const field of ['ownerId', 'secretHash', 'status']) expect(bodyOf(response).message).toContain(`"${field}"`);
    expect(harness.store.size).toBe(0);
  });

  it('a body that is valid but for the owner creates nothing for Bob and nothing for Alice', async () => {
    await call('POST /keys', { body: JSON.stringify({ name: 'x', ownerId: BOB }) });
    expect(bodyOf(await call('GET /keys', { token: bobToken })).keys).toEqual([]);
    expect(bodyOf(await call('GET /keys')).keys).toEqual([]);
  });
});

describe('list and get never contain a secret, a hash or the full key', () => {
  const FORBIDDEN_PROPERTIES = ['secretHash', 'hash', 'secret', 'key', 'ownerId'];

  function expectNothingSecretIn(json: string, keys: { key: string; secret: string; hash: string }[]): void {
    for (const { key, secret, hash } of keys) {
      expect(json).not.toContain(key);
      expect(json).not.toContain(secret);
      expect(json).not.toContain(hash);
      expect(json.toLowerCase()).not.toContain(hash.toLowerCase());
      expect(json).not.toContain(Buffer.from(hash, 'hex').toString('base64'));
    }
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [name, inner] of Object.entries(value)) {
          expect(FORBIDDEN_PROPERTIES).not.toContain(name);
          walk(inner);
        }
      }
    };
    walk(JSON.parse(json));
  }

  it('for active, revoked and expired keys alike', async () => {
    const active = await createKey(aliceToken, 'active');
    const revoked = await createKey(aliceToken, 'revoked');
    expect((await call('DELETE /keys/{id}', { id: revoked.id })).statusCode).toBe(204);
    const expiring = await call('POST /keys', {
      body: JSON.stringify({ name: 'expiring', expiresAt: new Date(NOW.getTime() + 60_000).toISOString() }),
    });
    const expired = bodyOf(expiring) as CreatedKey;
    const parsedExpired = harness.format.parse(expired.key);
    if (!parsedExpired.ok) throw new Error('does not parse');
    now = new Date(NOW.getTime() + 120_000);
    const keys = [active, revoked, { ...expired, secret: parsedExpired.key.secret, hash: hashSecret(parsedExpired.key.secret) }];

    const list = await call('GET /keys');
    expect(list.statusCode).toBe(200);
    expect(
      bodyOf(list)
        .keys.map((k: { status: string }) => k.status)
        .sort(),
    ).toEqual(['active', 'expired', 'revoked']);
    expectNothingSecretIn(list.body ?? '', keys);
    for (const { id } of keys) {
      const single = await call('GET /keys/{id}', { id });
      expect(single.statusCode).toBe(200);
      expectNothingSecretIn(single.body ?? '', keys);
    }
  });

  it('the create response shows the key once, but never its hash', async () => {
    const response = await call('POST /keys');
    const created = bodyOf(response) as CreatedKey;
    const parsed = harness.format.parse(created.key);
    if (!parsed.ok) throw new Error('does not parse');
    expect(response.body).not.toContain(hashSecret(parsed.key.secret));
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'key', 'name', 'scopes']);
  });
});

describe('logs never contain a key, its secret, its hash or an access token', () => {
  it('across a full create / list / get / authorize / revoke cycle and a run of failing requests', async () => {
    const written: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        written.push(String(chunk));
        return true;
      });
    const spies = [
      capture(process.stdout),
      capture(process.stderr),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(JSON.stringify(args, jsonSafe))),
      ),
    ];
    const expiredToken = await tokens.signToken({ sub: ALICE, exp: Math.floor(Date.now() / 1000) - 60 });
    const forgedToken = await tokens.signToken({ sub: ALICE }, { untrustedKey: true });
    let alice: Awaited<ReturnType<typeof createKey>>;
    let forgedKey: string;
    try {
      // The happy path.
      alice = await createKey();
      expect((await call('GET /keys')).statusCode).toBe(200);
      expect((await call('GET /keys/{id}', { id: alice.id })).statusCode).toBe(200);
      await expect(authorize(`Bearer ${alice.key}`)).resolves.toBe(true);
      await expect(authorize(`Basic ${Buffer.from(`${alice.id}:${alice.key}`).toString('base64')}`)).resolves.toBe(true);
      expect((await call('DELETE /keys/{id}', { id: alice.id })).statusCode).toBe(204);
      await expect(authorize(`Bearer ${alice.key}`)).resolves.toBe(false);

      // Failing requests.
      forgedKey = harness.format.format(alice.id, harness.format.generate().secret);
      await expect(authorize(`Bearer ${forgedKey}`)).resolves.toBe(false);
      await expect(authorize(`Bearer ${alice.key.slice(0, -1)}`)).resolves.toBe(false);
      await expect(authorize(`Token ${alice.key}`)).resolves.toBe(false);
      harness.store.failNext(new Error('socket hang up'), 'getKey');
      await expect(authorize(`Bearer ${alice.key}`)).rejects.toThrow('socket hang up');
      for (const token of [expiredToken, forgedToken, 'not.a.jwt', alice.key]) {
        expect((await call('GET /keys', { token })).statusCode).toBe(401);
      }
      expect(
        (await call('GET /keys', { authorization: `Basic ${Buffer.from(`${alice.id}:${alice.key}`).toString('base64')}` })).statusCode,
      ).toBe(401);
      expect((await call('GET /keys/{id}', { token: bobToken, id: alice.id })).statusCode).toBe(404);
      expect((await call('DELETE /keys/{id}', { token: bobToken, id: alice.id })).statusCode).toBe(404);
      expect((await call('POST /keys', { body: JSON.stringify({ name: 'x', ownerId: BOB }) })).statusCode).toBe(400);
      harness.store.failNext(new Error('throttled'), 'listKeys');
      expect((await call('GET /keys')).statusCode).toBe(500);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    expect(harness.logger.calls.length).toBeGreaterThanOrEqual(18);
    const everything = `${harness.logger.text()}\n${written.join('\n')}`;
    const secrets = [alice.key, alice.secret, alice.hash, forgedKey, aliceToken, bobToken, expiredToken, forgedToken];
    for (const secret of secrets) expect(everything).not.toContain(secret);
    for (const token of [aliceToken, bobToken, expiredToken, forgedToken]) {
      const [, payload = '', signature = ''] = token.split('.');
      expect(everything).not.toContain(payload);
      expect(everything).not.toContain(signature);
    }
  });
});

describe('error bodies never contain the token or the key', () => {
  function expectClean(response: HttpResponse, secrets: string[]): void {
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    for (const secret of secrets) expect(response.body ?? '').not.toContain(secret);
  }

  it('for each kind of bad token', async () => {
    const expired = await tokens.signToken({ sub: ALICE, exp: Math.floor(Date.now() / 1000) - 60 });
    const forged = await tokens.signToken({ sub: ALICE }, { untrustedKey: true });
    const wrongAudience = await tokens.signToken({ aud: 'https://other.example.com' });
    const unsigned = tokens.unsignedToken({ sub: ALICE });
    for (const token of [expired, forged, wrongAudience, unsigned]) {
      for (const route of ROUTES) {
        const response = await call(route, { token, id: harness.format.generate().keyId });
        expectClean(response, [token, ...token.split('.').filter((part) => part.length >= 16)]);
      }
    }
  });

  it('for an API key sent where an access token belongs', async () => {
    const alice = await createKey();
    expectClean(await call('GET /keys', { token: alice.key }), [alice.key, alice.secret]);
    expectClean(await call('GET /keys', { authorization: `Basic ${Buffer.from(`${alice.id}:${alice.key}`).toString('base64')}` }), [
      alice.key,
      alice.secret,
    ]);
  });

  it('for the full key pasted where its id belongs (GET and DELETE /keys/{id})', async () => {
    const alice = await createKey();
    for (const route of ['GET /keys/{id}', 'DELETE /keys/{id}'] as const) {
      const response = await call(route, { id: alice.key });
      expect(response.statusCode).toBe(404);
      expectClean(response, [alice.key, alice.secret]);
    }
  });

  it('for a store fault while the caller holds a valid token', async () => {
    harness.store.failNext(new Error(`ECONNRESET ${aliceToken}`), 'listKeys');
    expectClean(await call('GET /keys'), [aliceToken]);
  });
});
