import { startTestSystem, type TestSystem } from '../support/local-system';

/**
 * Issue #7 end to end through the local gateway (API Gateway semantics, the
 * real handlers, DynamoDB Local): rotation with a grace period, enable/disable
 * and rename, the audit trail, the status filter, and scopes per route.
 */
describe('key lifecycle through the local gateway', () => {
  let system: TestSystem;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    system = await startTestSystem({ authorizerCacheTtlSeconds: 0 });
    alice = await system.tokenFor('auth0|alice');
    bob = await system.tokenFor('auth0|bob');
  });
  afterAll(() => system.stop());

  const json = (method: string, token: string, body?: unknown): RequestInit & { token: string } => ({
    method,
    token,
    headers: { 'content-type': 'application/json', 'user-agent': 'e2e-test/1.0' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const createKey = async (body: Record<string, unknown> = {}) => {
    const response = await system.call('/keys', json('POST', alice, { name: 'ci', scopes: ['read'], ...body }));
    expect(response.status).toBe(201);
    return response.body as { id: string; key: string; expiresAt: string };
  };
  /** Expiries are whole seconds. */
  const secondsFromNow = (seconds: number) => new Date((Math.floor(system.clock.now().getTime() / 1000) + seconds) * 1000).toISOString();
  const whoami = async (key: string) => (await system.call('/whoami', { key })).status;

  it('rotates: 201 with a new key shown once; the old key works through the grace period, then 403', async () => {
    const old = await createKey({ name: 'deploys', scopes: ['read', 'write'] });
    const rotated = await system.call(`/keys/${old.id}/rotate`, json('POST', alice, { gracePeriodSeconds: 300 }));
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ name: 'deploys', scopes: ['read', 'write'], expiresAt: old.expiresAt, rotatedFrom: old.id });
    expect(rotated.body.replaced).toEqual({ id: old.id, expiresAt: secondsFromNow(300) });
    expect(await whoami(old.key)).toBe(200);
    expect(await whoami(rotated.body.key)).toBe(200);
    system.clock.advance(300);
    expect(await whoami(old.key)).toBe(403);
    expect(await whoami(rotated.body.key)).toBe(200);
    expect((await system.call(`/keys/${old.id}`, { token: alice })).body).toMatchObject({ status: 'rotated', replacedBy: rotated.body.id });
    expect((await system.call(`/keys/${rotated.body.id}`, { token: alice })).body.key).toBeUndefined();
  });

  it('rotates without a body using the default grace period, and refuses what cannot be rotated', async () => {
    const old = await createKey();
    const rotated = await system.call(`/keys/${old.id}/rotate`, { method: 'POST', token: alice });
    expect(rotated.status).toBe(201);
    expect(rotated.body.replaced.expiresAt).toBe(secondsFromNow(3600));
    expect(await system.call(`/keys/${old.id}/rotate`, json('POST', alice, {}))).toMatchObject({
      status: 409,
      body: { code: 'KEY_ALREADY_ROTATED' },
    });
    expect(await system.call(`/keys/${rotated.body.id}/rotate`, json('POST', bob, {}))).toMatchObject({
      status: 404,
      body: { code: 'KEY_NOT_FOUND' },
    });
    await system.call(`/keys/${rotated.body.id}`, { method: 'DELETE', token: alice });
    expect(await system.call(`/keys/${rotated.body.id}/rotate`, json('POST', alice, {}))).toMatchObject({
      status: 409,
      body: { code: 'KEY_REVOKED' },
    });
    expect(await system.call(`/keys/${old.id}/rotate`, json('POST', alice, { gracePeriodSeconds: 604_801 }))).toMatchObject({
      status: 400,
    });
    expect(await system.call(`/keys/${old.id}/rotate`, { method: 'POST', token: alice, body: '{not json' })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_JSON' },
    });
  });

  it('disables (refused at once), enables (works again) and renames with PATCH; 200 with the new state', async () => {
    const key = await createKey({ name: 'laptop' });
    expect(await whoami(key.key)).toBe(200);
    const disabled = await system.call(`/keys/${key.id}`, json('PATCH', alice, { enabled: false }));
    expect(disabled).toMatchObject({ status: 200, body: { id: key.id, status: 'disabled', enabled: false, name: 'laptop' } });
    expect(await whoami(key.key)).toBe(403);
    const enabled = await system.call(`/keys/${key.id}`, json('PATCH', alice, { enabled: true, name: 'old laptop' }));
    expect(enabled).toMatchObject({ status: 200, body: { status: 'active', enabled: true, name: 'old laptop' } });
    expect(await whoami(key.key)).toBe(200);
    expect(await system.call(`/keys/${key.id}`, json('PATCH', alice, { enabled: false, scopes: ['write'] }))).toMatchObject({
      status: 400,
      body: { code: 'INVALID_REQUEST', message: 'unknown field "scopes"' },
    });
    expect(await system.call(`/keys/${key.id}`, json('PATCH', bob, { enabled: false }))).toMatchObject({ status: 404 });
    expect(await whoami(key.key)).toBe(200);
    await system.call(`/keys/${key.id}`, { method: 'DELETE', token: alice });
    expect(await system.call(`/keys/${key.id}`, json('PATCH', alice, { enabled: true }))).toMatchObject({
      status: 409,
      body: { code: 'KEY_REVOKED' },
    });
    expect(await whoami(key.key)).toBe(403);
  });

  it('keeps an audit trail readable by the owner only: type, actor, time, source IP and user agent, newest first', async () => {
    const key = await createKey({ name: 'audited' });
    system.clock.advance(1);
    await system.call(`/keys/${key.id}`, json('PATCH', alice, { name: 'renamed' }));
    system.clock.advance(1);
    await system.call(`/keys/${key.id}`, json('PATCH', alice, { enabled: false }));
    system.clock.advance(1);
    await system.call(`/keys/${key.id}`, json('PATCH', alice, { enabled: true }));
    system.clock.advance(1);
    const rotated = await system.call(`/keys/${key.id}/rotate`, json('POST', alice, { gracePeriodSeconds: 0 }));
    system.clock.advance(1);
    await system.call(`/keys/${key.id}`, { method: 'DELETE', token: alice, headers: { 'user-agent': 'e2e-test/1.0' } });

    const history = await system.call(`/keys/${key.id}/events`, { token: alice });
    expect(history.status).toBe(200);
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['revoke', 'rotate', 'enable', 'disable', 'rename', 'create']);
    for (const event of history.body.events) {
      expect(event).toMatchObject({ actor: 'auth0|alice', sourceIp: '127.0.0.1', userAgent: 'e2e-test/1.0' });
      expect(Object.keys(event).every((field) => ['type', 'actor', 'at', 'sourceIp', 'userAgent', 'details'].includes(field))).toBe(true);
    }
    expect(history.body.events.at(-2).details).toEqual({ from: 'audited', to: 'renamed' });
    expect(JSON.stringify(history.body)).not.toContain(rotated.body.key);
    expect((await system.call(`/keys/${rotated.body.id}/events`, { token: alice })).body.events).toEqual([
      expect.objectContaining({ type: 'create', details: { rotatedFrom: key.id } }),
    ]);
    expect(await system.call(`/keys/${key.id}/events`, { token: bob })).toMatchObject({ status: 404, body: { code: 'KEY_NOT_FOUND' } });
    const paged = await system.call(`/keys/${key.id}/events?limit=2`, { token: alice });
    expect(paged.body.events).toHaveLength(2);
    const next = await system.call(`/keys/${key.id}/events?limit=10&cursor=${paged.body.nextCursor}`, { token: alice });
    expect(next.body.events.map((e: { type: string }) => e.type)).toEqual(['enable', 'disable', 'rename', 'create']);
    expect(await system.call(`/keys/${rotated.body.id}/events?cursor=${paged.body.nextCursor}`, { token: alice })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_CURSOR' },
    });
  });

  it('filters the list by status', async () => {
    const carol = await system.tokenFor('auth0|carol');
    const make = async (name: string) =>
      (await system.call('/keys', json('POST', carol, { name, scopes: ['read'] }))).body as { id: string };
    const active = await make('active');
    const paused = await make('paused');
    const gone = await make('gone');
    await system.call(`/keys/${paused.id}`, json('PATCH', carol, { enabled: false }));
    await system.call(`/keys/${gone.id}`, { method: 'DELETE', token: carol });
    const names = async (query: string) =>
      ((await system.call(`/keys?${query}`, { token: carol })).body.keys as { name: string }[]).map((k) => k.name).sort();
    expect(await names('status=active')).toEqual(['active']);
    expect(await names('status=disabled,revoked')).toEqual(['gone', 'paused']);
    expect(await names('')).toEqual(['active', 'gone', 'paused']);
    expect(await system.call('/keys?status=paused', { token: carol })).toMatchObject({ status: 400 });
    expect(active.id).toBeDefined();
  });

  it('enforces the route’s scope: GET /whoami needs `read`; a key without it is refused, and unknown scopes cannot be put on a key', async () => {
    const withRead = await createKey({ scopes: ['read'] });
    const writeOnly = await createKey({ scopes: ['write'] });
    const none = await createKey({ scopes: [] });
    expect(await whoami(withRead.key)).toBe(200);
    expect(await whoami(writeOnly.key)).toBe(403);
    expect(await whoami(none.key)).toBe(403);
    expect(system.logger.lines()).toContain('INSUFFICIENT_SCOPE');
    const refused = await system.call('/keys', json('POST', alice, { name: 'greedy', scopes: ['read', 'admin'] }));
    expect(refused).toMatchObject({ status: 400, body: { code: 'SCOPE_NOT_ALLOWED' } });
    expect(refused.body.message).toContain('"admin"');
  });
});
