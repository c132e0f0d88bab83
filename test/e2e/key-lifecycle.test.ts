import { KeyFormat } from '../../lambdas/domain/key-format';
import { startTestSystem, TEST_ROUTE_SCOPES, type TestSystem } from '../support/local-system';
import { testKeyPolicy } from '../support/key-policy';

/** The whole story over HTTP, through the local gateway, against DynamoDB Local. */
describe('issue, use, list, revoke and expire a key end to end', () => {
  let system: TestSystem;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    system = await startTestSystem();
    alice = await system.tokenFor('auth0|alice');
    bob = await system.tokenFor('auth0|bob');
  });
  afterAll(() => system.stop());

  // `read` is what GET /whoami requires (as under npm start).
  const createKey = async (token: string, body: unknown = { name: 'ci job', scopes: ['read'] }) =>
    system.call('/keys', { method: 'POST', token, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('serves /health without auth', async () => {
    expect(await system.call('/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('lets a logged-in user create a key that then acts as them', async () => {
    const created = await createKey(alice, { name: 'deploy bot', scopes: ['write', 'read'] });
    expect(created.status).toBe(201);
    const { id, key, name, scopes, createdAt, expiresAt } = created.body;
    expect(new KeyFormat('uak').parse(key)).toEqual({ ok: true, key: { keyId: id, secret: expect.any(String) } });
    expect({ name, scopes }).toEqual({ name: 'deploy bot', scopes: ['write', 'read'] });
    const lifetimeDays = (Date.parse(expiresAt) - Date.parse(createdAt)) / 86_400_000;
    expect(Math.round(lifetimeDays)).toBe(90);

    expect(await system.call('/whoami', { key })).toMatchObject({
      status: 200,
      body: { sub: 'auth0|alice', keyId: id, scopes: ['write', 'read'] },
    });
  });

  it('records when a key was last used, off the request path', async () => {
    const { body } = await createKey(alice, { name: 'used', scopes: ['read'] });
    expect((await system.call(`/keys/${body.id}`, { token: alice })).body.lastUsedAt).toBeUndefined();
    expect((await system.call('/whoami', { key: body.key })).status).toBe(200);
    let lastUsedAt: string | undefined;
    for (let i = 0; i < 50 && lastUsedAt === undefined; i += 1) {
      lastUsedAt = (await system.call(`/keys/${body.id}`, { token: alice })).body.lastUsedAt;
      if (lastUsedAt === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lastUsedAt).toBe(system.clock.now().toISOString());
  });

  it('accepts the key as HTTP Basic credentials, key id as user name', async () => {
    const { body } = await createKey(alice);
    const basic = Buffer.from(`${body.id}:${body.key}`).toString('base64');
    expect((await system.call('/whoami', { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    const wrongUser = Buffer.from(`someoneelse:${body.key}`).toString('base64');
    expect((await system.call('/whoami', { headers: { authorization: `Basic ${wrongUser}` } })).status).toBe(403);
  });

  it('lists only the caller’s keys, with status and never a secret', async () => {
    const mine = await createKey(bob, { name: 'bob laptop' });
    const listed = await system.call('/keys', { token: bob });
    expect(listed.status).toBe(200);
    expect(listed.body.keys).toEqual([expect.objectContaining({ id: mine.body.id, name: 'bob laptop', status: 'active' })]);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(mine.body.key);
    expect(text).not.toMatch(/secret|hash/i);
  });

  it('pages the list, caps the page size, and refuses another owner’s cursor', async () => {
    const carol = await system.tokenFor('auth0|carol');
    for (const name of ['one', 'two', 'three']) {
      system.clock.advance(1); // distinct createdAt: the list is ordered by it
      await createKey(carol, { name });
    }
    const first = await system.call('/keys?limit=2', { token: carol });
    expect(first.body.keys.map((k: { name: string }) => k.name)).toEqual(['three', 'two']);
    const second = await system.call(`/keys?limit=2&cursor=${first.body.nextCursor}`, { token: carol });
    expect(second.body).toEqual({ keys: [expect.objectContaining({ name: 'one' })] });
    expect(await system.call('/keys?limit=101', { token: carol })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    const stolen = await system.call(`/keys?limit=2&cursor=${first.body.nextCursor}`, { token: bob });
    expect(stolen).toMatchObject({ status: 400, body: { code: 'INVALID_CURSOR' } });
  });

  it('hides other users’ keys: 404 on read and on revoke, and nothing changes', async () => {
    const { body } = await createKey(alice, { name: 'private', scopes: ['read'] });
    expect(await system.call(`/keys/${body.id}`, { token: bob })).toMatchObject({ status: 404, body: { code: 'KEY_NOT_FOUND' } });
    expect((await system.call(`/keys/${body.id}`, { method: 'DELETE', token: bob })).status).toBe(404);
    expect((await system.call(`/keys/${body.id}`, { token: alice })).body.status).toBe('active');
    expect((await system.call('/whoami', { key: body.key })).status).toBe(200);
    // A key id that never existed answers exactly the same.
    const missing = await system.call(`/keys/${'A'.repeat(22)}`, { token: bob });
    expect(missing).toMatchObject({ status: 404, body: { code: 'KEY_NOT_FOUND' } });
  });

  it('revokes a key: 204 (again on repeat), refused at once, shown as revoked', async () => {
    const { body } = await createKey(alice, { name: 'to revoke', scopes: ['read'] });
    expect((await system.call('/whoami', { key: body.key })).status).toBe(200);
    expect((await system.call(`/keys/${body.id}`, { method: 'DELETE', token: alice })).status).toBe(204);
    expect((await system.call(`/keys/${body.id}`, { method: 'DELETE', token: alice })).status).toBe(204);
    expect(await system.call('/whoami', { key: body.key })).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
    expect((await system.call(`/keys/${body.id}`, { token: alice })).body.status).toBe('revoked');
  });

  it('expires a key at its expiresAt, though TTL has not deleted it', async () => {
    const expiresAt = new Date(system.clock.now().getTime() + 3600_000).toISOString();
    const { body } = await createKey(alice, { name: 'short lived', scopes: ['read'], expiresAt });
    expect((await system.call('/whoami', { key: body.key })).status).toBe(200);
    system.clock.advance(3600);
    expect((await system.call('/whoami', { key: body.key })).status).toBe(403);
    expect((await system.call(`/keys/${body.id}`, { token: alice })).body.status).toBe('expired');
  });

  it('refuses malformed, unknown and tampered keys', async () => {
    const { body } = await createKey(alice);
    const key = body.key as string;
    const tampered = key.slice(0, -8) + (key.at(-8) === 'a' ? 'b' : 'a') + key.slice(-7);
    const unknownButWellFormed = new KeyFormat('uak').generate().key;
    for (const key of ['nonsense', tampered, unknownButWellFormed, body.key.toLowerCase()]) {
      expect((await system.call('/whoami', { key })).status).toBe(403);
    }
    expect(await system.call('/whoami')).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
  });

  it('answers bad input with 4xx and a JSON body naming the problem', async () => {
    expect(await createKey(alice, { name: '' })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect((await createKey(alice, { name: 'x', ownerId: 'auth0|bob' })).body.message).toContain('ownerId');
    expect((await createKey(alice, { name: 'x', expiresAt: '2999-01-01T00:00:00Z' })).body.message).toContain('365 days');
    const notJson = await system.call('/keys', { method: 'POST', token: alice, body: '{"name":' });
    expect(notJson).toMatchObject({ status: 400, body: { code: 'INVALID_JSON' } });
    const huge = await createKey(alice, { name: 'x', padding: 'y'.repeat(20_000) });
    expect(huge).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await system.call('/keys')).toMatchObject({ status: 401, body: { code: 'MISSING_TOKEN' } });
    expect(await system.call('/keys', { token: 'not-a-jwt' })).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });
    expect((await system.call('/nowhere')).status).toBe(404);
  });

  it('refuses tokens for another audience', async () => {
    const other = await system.tokenFor('auth0|alice', { audience: 'https://another-api.example' });
    expect(await system.call('/keys', { token: other })).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });
  });

  it('never writes a key or a token to the logs', async () => {
    const { body } = await createKey(alice, { name: 'logged?' });
    await system.call('/whoami', { key: body.key });
    await system.call('/whoami', { key: `${body.key}x` });
    const logs = system.logger.lines();
    expect(logs.length).toBeGreaterThan(100);
    expect(logs).not.toContain(body.key);
    expect(logs).not.toContain(body.key.split('_')[2]!.slice(0, 43));
    expect(logs).not.toContain(alice);
  });
});

describe('the per-user key limit under concurrent creates', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({
      keys: {
        tableName: `limit${Date.now()}`,
        keyPrefix: 'uak',
        policy: testKeyPolicy({ maxKeysPerUser: 5 }),
        routeScopes: TEST_ROUTE_SCOPES,
      },
    });
  });
  afterAll(() => system.stop());

  it('lets exactly the limit through when 30 creates race, and the rest get 409', async () => {
    const token = await system.tokenFor('auth0|racer');
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => system.call('/keys', { method: 'POST', token, body: JSON.stringify({ name: `key ${i}` }) })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(25);
    expect(responses.find((r) => r.status === 409)?.body.code).toBe('KEY_LIMIT_REACHED');
    expect((await system.call('/keys', { token })).body.keys).toHaveLength(5);

    // Revoking one frees exactly one slot.
    const victim = responses.find((r) => r.status === 201)!.body.id;
    expect((await system.call(`/keys/${victim}`, { method: 'DELETE', token })).status).toBe(204);
    const again = await Promise.all(
      Array.from({ length: 5 }, () => system.call('/keys', { method: 'POST', token, body: '{"name":"again"}' })),
    );
    expect(again.filter((r) => r.status === 201)).toHaveLength(1);
  });
});

describe('the gateway’s ceiling on creates (KEY_CREATION_RATE_LIMIT, all callers together), as deployed', () => {
  let system: TestSystem;
  beforeAll(async () => {
    // A low ceiling to see it work; the default is 50/s, burst 100, far above one owner's budget.
    system = await startTestSystem({ throttle: true, keyCreationThrottle: { rateLimit: 5, burstLimit: 10 } });
  });
  afterAll(() => system.stop());

  it('lets the burst of 10 creates through, then answers 429 until the bucket refills', async () => {
    const token = await system.tokenFor('auth0|eager');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      statuses.push((await system.call('/keys', { method: 'POST', token, body: JSON.stringify({ name: `k${i}` }) })).status);
    }
    expect(statuses).toEqual([...Array(10).fill(201), 429, 429]);
    system.clock.advance(1); // 5 tokens a second
    const after = await system.call('/keys', { method: 'POST', token, body: '{"name":"later"}' });
    expect(after.status).toBe(201);
    expect((await system.call('/keys', { token })).body.keys).toHaveLength(11);
  });
});

describe('the gateway’s authorizer cache', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ authorizerCacheTtlSeconds: 60 });
  });
  afterAll(() => system.stop());

  it('keeps a revoked key working while cached, and refuses it once the configured TTL has passed', async () => {
    const token = await system.tokenFor('auth0|cached');
    const { body } = await system.call('/keys', { method: 'POST', token, body: '{"name":"cached","scopes":["read"]}' });
    expect((await system.call('/whoami', { key: body.key })).status).toBe(200);
    await system.call(`/keys/${body.id}`, { method: 'DELETE', token });
    expect((await system.call('/whoami', { key: body.key })).status).toBe(200);
    system.clock.advance(29); // the gateway's half of the 60 s
    expect((await system.call('/whoami', { key: body.key })).status).toBe(200);
    system.clock.advance(31);
    expect((await system.call('/whoami', { key: body.key })).status).toBe(403);
  });
});
