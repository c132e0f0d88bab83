import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREDENTIALS_FILE } from '../../local/dynamodb-credentials';
import { runAuth0EventsCli } from '../../scripts/auth0-events';
import { testDynamoDbCredentials } from '../support/dynamodb';
import { startTestSystem, TEST_KEY_POLICY, TEST_ROUTE_SCOPES, type TestSystem } from '../support/local-system';

/**
 * Issue #14 end to end through the local gateway (the real handlers, DynamoDB
 * Local): Auth0's reports fed with `npm run -s auth0-events` and by webhook,
 * keys bounded by the owner's token, the admin routes, each owner's budget,
 * and idempotent creates.
 */

/** The user Auth0's documented examples (test/fixtures/auth0) are about. */
const JANE = 'auth0|65f1c2d3e4a5b6c7d8e9f012';
const FIXTURES = join(__dirname, '..', 'fixtures', 'auth0');

/**
 * A fixture on one line, about `sub` (in a user id and in a Management API path alike), every date in it moved
 * to `at`: Auth0's examples are from 2025, the keys here are made now.
 */
function fixtureAt(name: string, at: Date, sub = JANE): string {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .replace(/"20\d\d-\d\d-\d\dT[0-9:.]+Z"/g, `"${at.toISOString()}"`)
    .split(JANE)
    .join(sub)
    .split(encodeURIComponent(JANE))
    .join(encodeURIComponent(sub))
    .replace(/\s*\n\s*/g, ' ');
}

interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('Auth0 reports deleted, blocked and unblocked users: their keys follow', () => {
  let system: TestSystem;
  let dir: string;
  let jane: string;

  beforeAll(async () => {
    system = await startTestSystem({ auth0WebhookToken: 'w'.repeat(40) });
    jane = await system.tokenFor(JANE, { scope: 'read' });
    dir = mkdtempSync(join(tmpdir(), 'auth0-events-'));
    writeFileSync(join(dir, CREDENTIALS_FILE), JSON.stringify(testDynamoDbCredentials()), { mode: 0o600 });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await system.stop();
  });

  /** `npm run -s auth0-events -- <file>` against the system's table, as an operator runs it beside `npm start`. */
  async function feed(lines: readonly string[]): Promise<ToolRun> {
    const file = join(dir, `events-${Math.random().toString(36).slice(2)}.ndjson`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    let stdout = '';
    let stderr = '';
    const env = { DYNAMODB_ENDPOINT: system.dynamodbEndpoint, DATA_DIR: dir, TABLE_NAME: system.tableName, POWERTOOLS_LOG_LEVEL: 'SILENT' };
    const streams = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
    const code = await runAuth0EventsCli([file], streams, env, '/');
    return { code, stdout, stderr };
  }
  const post = (token: string, path: string, body?: unknown) =>
    system.call(path, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const create = async (token: string, name: string) => {
    const response = await post(token, '/keys', { name, scopes: ['read'] });
    expect(response.status).toBe(201);
    return response.body as { id: string; key: string };
  };
  const whoami = async (key: string) => (await system.call('/whoami', { key })).status;
  const later = (seconds: number) => new Date(system.clock.now().getTime() + seconds * 1000);

  it('blocked: keys disabled and new ones refused; unblocked: the same keys enabled again, never one the owner paused; deleted: all revoked', async () => {
    const [first, second, paused] = [await create(jane, 'ci'), await create(jane, 'cron'), await create(jane, 'paused')];
    const bob = await system.tokenFor('auth0|bob', { scope: 'read' });
    const bobs = await create(bob, 'bob');
    expect(
      (await system.call(`/keys/${paused.id}`, { method: 'PATCH', token: jane, body: JSON.stringify({ enabled: false }) })).status,
    ).toBe(200);

    const blocked = await feed([fixtureAt('logs-eventbridge-sapi-block-user.json', later(60))]);
    expect(blocked).toMatchObject({ code: 0, stderr: '' });
    expect(blocked.stdout).toMatch(new RegExp(`^blocked ${JANE.replace('|', '\\|')} \\(\\S+\\): 2 keys disabled\\n$`));
    expect([await whoami(first.key), await whoami(second.key), await whoami(bobs.key)]).toEqual([403, 403, 200]);
    // Her token, issued before the block, still verifies: it may not make, or re-enable, a key.
    expect(await post(jane, '/keys', { name: 'sneaky', scopes: ['read'] })).toMatchObject({
      status: 403,
      body: { code: 'OWNER_SUSPENDED' },
    });
    const enable = await system.call(`/keys/${first.id}`, { method: 'PATCH', token: jane, body: JSON.stringify({ enabled: true }) });
    expect(enable).toMatchObject({ status: 403, body: { code: 'OWNER_SUSPENDED' } });
    const history = await system.call(`/keys/${first.id}/events`, { token: jane });
    expect(history.body.events[0]).toMatchObject({ type: 'disable', actor: 'auth0:user.blocked', details: { source: 'log:sapi' } });

    // Replayed, and an older block arriving late: nothing more happens.
    expect((await feed([fixtureAt('logs-eventbridge-sapi-block-user.json', later(60))])).stdout).toMatch(/: 0 keys disabled\n$/);

    const unblocked = await feed([fixtureAt('events-webhook-user-updated-unblocked.json', later(120))]);
    expect(unblocked.stdout).toMatch(/^unblocked .*: 2 keys enabled\n$/);
    expect([await whoami(first.key), await whoami(second.key), await whoami(paused.key)]).toEqual([200, 200, 403]);
    expect((await feed([fixtureAt('logs-eventbridge-sapi-block-user.json', later(90))])).stdout).toMatch(
      /a later report is already applied, nothing changed\n$/,
    );
    expect(await whoami(first.key)).toBe(200);

    const deleted = await feed([
      fixtureAt('logs-eventbridge-sdu.json', later(180)),
      fixtureAt('events-eventbridge-user-deleted.json', later(180)),
    ]);
    expect(deleted.stdout.split('\n')).toEqual([
      expect.stringMatching(/^deleted .*: 3 keys revoked$/),
      expect.stringMatching(/: 0 keys revoked$/),
      '',
    ]);
    expect([await whoami(first.key), await whoami(second.key), await whoami(paused.key), await whoami(bobs.key)]).toEqual([
      403, 403, 403, 200,
    ]);
    const revoked = await system.call(`/keys/${second.id}`, { token: jane });
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    const events = (await system.call(`/keys/${second.id}/events`, { token: jane })).body.events as { type: string; actor: string }[];
    expect(events.filter((event) => event.type === 'revoke')).toEqual([expect.objectContaining({ actor: 'auth0:user.deleted' })]);
  });

  it('a user re-created with the same id after a deletion starts afresh: new tokens make keys the old deletion never touches', async () => {
    const kim = 'auth0|kim';
    const before = await system.tokenFor(kim, { scope: 'read' });
    const old = await create(before, 'old');
    // The development IdP stamps `iat` from the real clock: the deletion happens a moment from now.
    const deletedAt = new Date(Date.now() + 1500);
    expect((await feed([fixtureAt('logs-eventbridge-sdu.json', deletedAt, kim)])).stdout).toMatch(/: 1 key revoked\n$/);
    expect(await whoami(old.key)).toBe(403);
    expect(await post(before, '/keys', { name: 'x', scopes: ['read'] })).toMatchObject({ status: 403, body: { code: 'OWNER_SUSPENDED' } });

    await new Promise((resolve) => setTimeout(resolve, 2600)); // past the deletion, in whole seconds of `iat`
    system.clock.advance(60);
    const after = await create(await system.tokenFor(kim, { scope: 'read' }), 'after');
    expect(await whoami(after.key)).toBe(200);
    // The old deletion again (EventBridge retries, an operator re-runs a file) leaves the new user's key alone.
    expect((await feed([fixtureAt('logs-eventbridge-sdu.json', deletedAt, kim)])).stdout).toMatch(/: 0 keys revoked\n$/);
    expect(await whoami(after.key)).toBe(200);
  });

  it('ignores other events, and refuses a malformed file before writing anything, naming its line', async () => {
    const key = await create(await system.tokenFor('auth0|carol', { scope: 'read' }), 'carol');
    const carolDeleted = fixtureAt('logs-eventbridge-sdu.json', later(300), 'auth0|carol');
    const broken = await feed([carolDeleted, '{"not": json']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^auth0-events: .*events-\w+\.ndjson: line 2: not valid JSON\n$/);
    expect(broken.stdout).toBe('');
    expect(await whoami(key.key)).toBe(200);

    const ignored = await feed([
      fixtureAt('logs-eventbridge-s-login.json', later(300)),
      fixtureAt('events-webhook-user-created.json', later(300)),
      '{"type":"user.deleted"}',
    ]);
    expect(ignored.code).toBe(0);
    expect(ignored.stdout.trim().split('\n')).toHaveLength(3);
    expect(
      ignored.stdout
        .trim()
        .split('\n')
        .every((line) => line.startsWith('ignored')),
    ).toBe(true);
    expect(await whoami(key.key)).toBe(200);
  });

  it('POST /auth0/events takes an Event Stream webhook with its token, and nothing without it', async () => {
    const dave = await system.tokenFor('auth0|dave', { scope: 'read' });
    const key = await create(dave, 'dave');
    const event = fixtureAt('events-webhook-user-updated-blocked.json', later(400), 'auth0|dave');
    const send = (token: string | undefined) =>
      fetch(`${system.gatewayUrl}/auth0/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
        body: event,
      });
    expect((await send(undefined)).status).toBe(401);
    expect((await send('x'.repeat(40))).status).toBe(401);
    expect(await whoami(key.key)).toBe(200);
    const accepted = await send('w'.repeat(40));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({
      results: [{ result: 'disabled', change: 'blocked', sub: 'auth0|dave', keys: 1, eventId: expect.any(String) }],
    });
    expect(await whoami(key.key)).toBe(403);
  });
});

describe('keys within the owner’s rights (KEY_SCOPES_FROM_TOKEN)', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ keys: { ...defaultKeys(), policy: { ...TEST_KEY_POLICY, keyScopesFromToken: true } } });
  });
  afterAll(() => system.stop());

  it('a key carries only scopes the creating token holds, on create and on rotate', async () => {
    const reader = await system.tokenFor('auth0|erin', { scope: 'read' });
    const both = await system.tokenFor('auth0|erin', { scope: 'read write' });
    const create = (token: string, scopes: string[]) =>
      system.call('/keys', {
        method: 'POST',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'k', scopes }),
      });
    expect((await create(reader, ['read'])).status).toBe(201);
    const refused = await create(reader, ['read', 'write']);
    expect(refused).toMatchObject({ status: 403, body: { code: 'SCOPE_EXCEEDS_OWNER' } });
    expect(refused.body.message).toContain('"write"');
    const wide = await create(both, ['read', 'write']);
    expect(wide.status).toBe(201);
    expect(await system.call(`/keys/${wide.body.id}/rotate`, { method: 'POST', token: reader })).toMatchObject({
      status: 403,
      body: { code: 'SCOPE_EXCEEDS_OWNER' },
    });
    expect((await system.call(`/keys/${wide.body.id}/rotate`, { method: 'POST', token: both })).status).toBe(201);
  });
});

describe('support staff: the admin routes (ADMIN_SCOPE)', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ identity: { devPort: 0, audience: 'https://user-api-keys.local', adminScope: 'keys:admin' } });
  });
  afterAll(() => system.stop());

  it('lists one user’s keys and revokes them all, each audited with the admin as actor; 403 without the permission', async () => {
    const frank = await system.tokenFor('auth0|frank', { scope: 'read' });
    const keys = [];
    for (const name of ['a', 'b', 'c']) {
      const response = await system.call('/keys', { method: 'POST', token: frank, body: JSON.stringify({ name, scopes: ['read'] }) });
      keys.push(response.body as { id: string; key: string });
    }
    const admin = await system.tokenFor('auth0|support', { scope: 'keys:admin' });
    const path = `/admin/users/${encodeURIComponent('auth0|frank')}`;
    const listed = await system.call(`${path}/keys?limit=2`, { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.keys).toHaveLength(2);
    expect(listed.body.nextCursor).toEqual(expect.any(String));
    expect(listed.body.auth0).toEqual({ blocked: false });
    expect(JSON.stringify(listed.body)).not.toMatch(/uak_|secretHash/);

    for (const token of [frank, await system.tokenFor('auth0|support')]) {
      expect(await system.call(`${path}/keys`, { token })).toMatchObject({ status: 403, body: { code: 'INSUFFICIENT_SCOPE' } });
      expect(await system.call(`${path}/revoke-keys`, { method: 'POST', token })).toMatchObject({ status: 403 });
    }
    system.clock.advance(1); // so the history's newest event is the revocation
    expect(await system.call(`${path}/revoke-keys`, { method: 'POST', token: admin })).toMatchObject({ status: 200, body: { revoked: 3 } });
    expect(await system.call(`${path}/revoke-keys`, { method: 'POST', token: admin })).toMatchObject({ status: 200, body: { revoked: 0 } });
    for (const key of keys) expect((await system.call('/whoami', { key: key.key })).status).toBe(403);
    const events = (await system.call(`/keys/${keys[0]?.id ?? ''}/events`, { token: frank })).body.events as {
      type: string;
      actor: string;
    }[];
    expect(events[0]).toMatchObject({ type: 'revoke', actor: 'auth0|support' });

    // A machine-to-machine token may act as support staff when its client grant carries the scope.
    const machine = await system.tokenFor('support-tool@clients', { scope: 'keys:admin' });
    expect((await system.call(`${path}/keys`, { token: machine })).status).toBe(200);
    expect(await system.call(`/admin/users/${encodeURIComponent('bad\u0007id')}/keys`, { token: admin })).toMatchObject({ status: 400 });
  });
});

describe('each owner’s budget of creates and rotations', () => {
  let system: TestSystem;
  beforeAll(async () => {
    // With the gateway's route ceiling on, as deployed: the owner's budget is what refuses.
    system = await startTestSystem({
      throttle: true,
      keys: { ...defaultKeys(), policy: { ...TEST_KEY_POLICY, ownerBudget: { perMinute: 6, burst: 3 } } },
    });
  });
  afterAll(() => system.stop());

  const create = (token: string, name: string) =>
    system.call('/keys', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, scopes: ['read'] }),
    });

  it('one owner flooding creates is refused with 429 and Retry-After, and another owner still creates', async () => {
    const greedy = await system.tokenFor('auth0|greedy');
    const other = await system.tokenFor('auth0|other');
    const flood = await Promise.all(Array.from({ length: 12 }, (_, i) => create(greedy, `flood-${i}`)));
    expect(flood.filter((response) => response.status === 201)).toHaveLength(3);
    const refused = flood.filter((response) => response.status === 429);
    expect(refused).toHaveLength(9);
    expect(refused[0]?.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect((await create(other, 'mine')).status).toBe(201);
    system.clock.advance(10);
    expect((await create(greedy, 'refilled')).status).toBe(201);
    expect((await create(greedy, 'again')).status).toBe(429);
  });
});

describe('creates and rotations that are safe to retry (Idempotency-Key)', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system.stop());

  const send = (token: string, path: string, idempotencyKey: string, body: unknown) =>
    system.call(path, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });

  it('the same key and body, raced: one key made, every answer the same key; another body: 422', async () => {
    const gina = await system.tokenFor('auth0|gina');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => send(gina, '/keys', 'b9c0f5e2-retry-1', { name: 'raced', scopes: ['read'] })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((answer) => answer.body.key)).size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    const listed = (await system.call('/keys', { token: gina })).body.keys as { name: string }[];
    expect(listed.filter((key) => key.name === 'raced')).toHaveLength(1);
    expect((await system.call('/whoami', { key: answers[0]?.body.key })).status).toBe(200);

    expect(await send(gina, '/keys', 'b9c0f5e2-retry-1', { name: 'other', scopes: ['read'] })).toMatchObject({
      status: 422,
      body: { code: 'IDEMPOTENCY_KEY_REUSED' },
    });
    // Another owner's same Idempotency-Key is another request.
    const hank = await system.tokenFor('auth0|hank');
    const hanks = await send(hank, '/keys', 'b9c0f5e2-retry-1', { name: 'raced', scopes: ['read'] });
    expect(hanks.status).toBe(201);
    expect(hanks.body.key).not.toBe(answers[0]?.body.key);

    const rotated = [
      await send(gina, `/keys/${answers[0]?.body.id}/rotate`, 'rotate-once-1', {}),
      await send(gina, `/keys/${answers[0]?.body.id}/rotate`, 'rotate-once-1', {}),
    ];
    expect(rotated.map((answer) => answer.status)).toEqual([201, 201]);
    expect(rotated[1]?.body).toEqual(rotated[0]?.body);
    expect(await send(gina, '/keys', 'short', { name: 'x' })).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  });

  it('a revoked key’s record is kept REVOKED_RETENTION_DAYS, not for the rest of its life', async () => {
    const ivan = await system.tokenFor('auth0|ivan');
    const created = await send(ivan, '/keys', 'tombstone-1', {
      name: 'long',
      expiresAt: new Date(Date.now() + 300 * 86_400_000).toISOString(),
    });
    expect((await system.call(`/keys/${created.body.id}`, { method: 'DELETE', token: ivan })).status).toBe(204);
    const revoked = (await system.call(`/keys/${created.body.id}`, { token: ivan })).body as { expiresAt: string; revokedAt: string };
    // Expiries are whole seconds; the revocation's time has milliseconds.
    expect(Math.abs(Date.parse(revoked.expiresAt) - Date.parse(revoked.revokedAt) - 30 * 86_400_000)).toBeLessThan(1000);
  });
});

function defaultKeys() {
  return {
    tableName: `e2e${Math.random().toString(36).slice(2)}x`,
    keyPrefix: 'uak',
    policy: TEST_KEY_POLICY,
    routeScopes: TEST_ROUTE_SCOPES,
  };
}
