import { saveLogin } from '../../../cli/credentials';
import { LOCAL_DEFAULTS } from '../../../cli/settings';
import { fakeToken, forbiddenFetch, freshConfigDir, run, scriptedFetch, typed } from './cli-support';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const SUB = 'auth0|abc';
const ENCODED = 'auth0%7Cabc';
const BASE = `${LOCAL_DEFAULTS.endpoint}/admin/users/${ENCODED}`;
const HINT = 'admin commands need a token with the ADMIN_SCOPE permission; log in as a support user';
const view = (id: string, status = 'active') => ({
  id,
  name: `key ${id}`,
  scopes: ['read'],
  createdAt: '2026-05-01T12:00:00.000Z',
  expiresAt: '2026-08-30T12:00:00.000Z',
  status,
  enabled: status !== 'disabled',
});
const forbidden = { status: 403, body: { code: 'INSUFFICIENT_SCOPE', message: 'The access token lacks the keys:admin permission' } };

/** A stored login of a support user, for the local defaults. */
function loggedIn() {
  const dir = freshConfigDir();
  const accessToken = fakeToken({ sub: 'auth0|support' });
  saveLogin(dir, {
    accessToken,
    expiresAt: Date.now() + 3600_000,
    endpoint: LOCAL_DEFAULTS.endpoint,
    authUrl: LOCAL_DEFAULTS.authUrl,
    audience: LOCAL_DEFAULTS.audience,
    sub: 'auth0|support',
  });
  return { env: { APIKEY_CONFIG_DIR: dir, NO_COLOR: '1' }, accessToken };
}

const headersOf = (request: { init: RequestInit | undefined } | undefined) => request?.init?.headers as Record<string, string>;

describe('apikey admin list SUB', () => {
  it('gets the user’s keys with the stored login, the id encoded, following every page, and prints the table', async () => {
    const { env, accessToken } = loggedIn();
    const server = scriptedFetch([
      { status: 200, body: { keys: [view('K1')], nextCursor: 'c 1' } },
      { status: 200, body: { keys: [], nextCursor: 'c2' } },
      { status: 200, body: { keys: [view('K2', 'disabled')] } },
    ]);
    const result = await run(['admin', 'list', SUB], { env, now: () => NOW, fetch: server.fetch });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(server.requests.map((request) => request.url)).toEqual([
      `${BASE}/keys?limit=100`,
      `${BASE}/keys?limit=100&cursor=c%201`,
      `${BASE}/keys?limit=100&cursor=c2`,
    ]);
    expect(server.requests.map((request) => request.init?.method)).toEqual(['GET', 'GET', 'GET']);
    expect(headersOf(server.requests[0]).authorization).toBe(`Bearer ${accessToken}`);
    expect(headersOf(server.requests[0])['idempotency-key']).toBeUndefined();
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED$/);
    expect(lines[1]).toMatch(/^K1\s+key K1\s+active\s+read\s+last month\s+in 3 months\s+-$/);
    expect(lines[2]).toMatch(/^K2\s+key K2\s+disabled\s/);
  });

  it('says above the table what Auth0 reported about the user (blocked, deleted when), and gives it in --json', async () => {
    const auth0 = { blocked: true, deletedAt: new Date(NOW.getTime() - 2 * 86_400_000).toISOString() };
    const page = { status: 200, body: { keys: [view('K1')], auth0 } };
    const human = await run(['admin', 'list', SUB], { ...loggedIn(), now: () => NOW, fetch: scriptedFetch([page]).fetch });
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toBe('Auth0 reports auth0|abc blocked, deleted 2 days ago.');
    expect(lines[1]).toMatch(/^ID\s+NAME/);
    const json = await run(['admin', 'list', SUB, '--json'], { ...loggedIn(), now: () => NOW, fetch: scriptedFetch([page]).fetch });
    expect(JSON.parse(json.stdout)).toEqual({ keys: [view('K1')], auth0 });
    const quiet = { status: 200, body: { keys: [view('K1')], auth0: { blocked: false } } };
    const active = await run(['admin', 'list', SUB], { ...loggedIn(), now: () => NOW, fetch: scriptedFetch([quiet]).fetch });
    expect(active.stdout.split('\n')[0]).toMatch(/^ID\s+NAME/);
  });

  it('takes --status as list does, prints { keys } with --json, and says when the user has none', async () => {
    const server = scriptedFetch([{ status: 200, body: { keys: [view('K1')] } }]);
    const json = await run(['admin', 'list', SUB, '--status', 'active', '--status', 'disabled,active', '--json'], {
      ...loggedIn(),
      fetch: server.fetch,
    });
    expect(server.requests[0]!.url).toBe(`${BASE}/keys?limit=100&status=active%2Cdisabled`);
    expect(JSON.parse(json.stdout)).toEqual({ keys: [view('K1')] });
    const none = await run(['admin', 'list', SUB], { ...loggedIn(), fetch: scriptedFetch([{ status: 200, body: { keys: [] } }]).fetch });
    expect(none.stdout).toBe('auth0|abc has no keys.\n');
    const filtered = await run(['admin', 'list', SUB, '--status', 'revoked'], {
      ...loggedIn(),
      fetch: scriptedFetch([{ status: 200, body: { keys: [] } }]).fetch,
    });
    expect(filtered.stdout).toBe('auth0|abc has no keys with status revoked.\n');
    const bad = await run(['admin', 'list', SUB, '--status', 'paused'], { ...loggedIn(), fetch: forbiddenFetch().fetch });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--status takes');
  });

  it('encodes every character a path could misread', async () => {
    const server = scriptedFetch([{ status: 200, body: { keys: [] } }]);
    await run(['admin', 'list', 'samlp|acme/bob?x=1#y %'], { ...loggedIn(), fetch: server.fetch });
    expect(server.requests[0]!.url).toBe(`${LOCAL_DEFAULTS.endpoint}/admin/users/samlp%7Cacme%2Fbob%3Fx%3D1%23y%20%25/keys?limit=100`);
  });

  it('adds the ADMIN_SCOPE hint to a 403 (exit 2), in JSON too', async () => {
    const human = await run(['admin', 'list', SUB], { ...loggedIn(), fetch: scriptedFetch([forbidden]).fetch });
    expect(human).toMatchObject({ code: 2, stdout: '', stderr: `Error: The access token lacks the keys:admin permission (${HINT})\n` });
    const json = await run(['admin', 'list', SUB, '--json'], { ...loggedIn(), fetch: scriptedFetch([forbidden]).fetch });
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'INSUFFICIENT_SCOPE', message: `The access token lacks the keys:admin permission (${HINT})` },
    });
  });

  it('refuses without a login, and without a SUB, before any request', async () => {
    const server = forbiddenFetch();
    const none = await run(['admin', 'list', SUB], { fetch: server.fetch });
    expect(none).toMatchObject({ code: 2, stderr: 'Error: Not logged in: run apikey login\n' });
    expect((await run(['admin', 'list'], { ...loggedIn(), fetch: server.fetch })).code).toBe(1);
    expect((await run(['admin', 'list', ' '], { ...loggedIn(), fetch: server.fetch })).code).toBe(1);
    expect(server.calls).toEqual([]);
  });
});

describe('apikey admin revoke-all SUB', () => {
  const revoked = (count: number) => ({ status: 200, body: { revoked: count } });

  it('with --yes: posts to the user’s revoke-keys, asks nothing, and says how many', async () => {
    const { env, accessToken } = loggedIn();
    const server = scriptedFetch([revoked(3)]);
    const result = await run(['admin', 'revoke-all', SUB, '--yes'], { env, fetch: server.fetch });
    expect(result).toMatchObject({ code: 0, stdout: 'Revoked 3 keys of auth0|abc.\n', stderr: '' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.url).toBe(`${BASE}/revoke-keys`);
    expect(server.requests[0]!.init!.method).toBe('POST');
    expect(JSON.parse(server.requests[0]!.init!.body as string)).toEqual({});
    expect(headersOf(server.requests[0]).authorization).toBe(`Bearer ${accessToken}`);
    const one = await run(['admin', 'revoke-all', SUB, '--yes'], { ...loggedIn(), fetch: scriptedFetch([revoked(1)]).fetch });
    expect(one.stdout).toBe('Revoked 1 key of auth0|abc.\n');
    const json = await run(['admin', 'revoke-all', '--yes', SUB, '--json'], { ...loggedIn(), fetch: scriptedFetch([revoked(0)]).fetch });
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({ sub: SUB, revoked: 0 });
  });

  it.each(['y\n', 'yes\n', ' YES \r\n'])('on a terminal, asks first, and revokes on %j', async (answer) => {
    const server = scriptedFetch([revoked(2)]);
    const result = await run(['admin', 'revoke-all', SUB], { ...loggedIn(), fetch: server.fetch, stdin: typed(answer) });
    expect(result).toMatchObject({ code: 0, stdout: 'Revoked 2 keys of auth0|abc.\n' });
    expect(result.stderr).toMatch(/^Revoke every key of auth0\|abc\? .*\[y\/N\] $/);
    expect(server.requests).toHaveLength(1);
  });

  it.each(['n\n', '\n', 'yess\n', ''])('on a terminal, revokes nothing on %j (exit 1)', async (answer) => {
    const server = forbiddenFetch();
    const result = await run(['admin', 'revoke-all', SUB], { ...loggedIn(), fetch: server.fetch, stdin: typed(answer) });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/\[y\/N\] Error: Not confirmed: nothing revoked\n$/);
    expect(server.calls).toEqual([]);
  });

  it('refuses without --yes when no question can be asked: stdin piped or absent, or --json (exit 1)', async () => {
    const server = forbiddenFetch();
    const piped = await run(['admin', 'revoke-all', SUB], { ...loggedIn(), fetch: server.fetch, stdin: typed('yes\n', false) });
    expect(piped).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: Revoking every key of auth0|abc needs a confirmation, and none can be asked (stdin is not a terminal): add --yes\n',
    });
    const absent = await run(['admin', 'revoke-all', SUB], { ...loggedIn(), fetch: server.fetch });
    expect(absent.code).toBe(1);
    const json = await run(['admin', 'revoke-all', SUB, '--json'], { ...loggedIn(), fetch: server.fetch, stdin: typed('yes\n') });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'CONFIRMATION_REQUIRED', message: expect.stringContaining('(with --json): add --yes') },
    });
    expect(server.calls).toEqual([]);
  });

  it('asks nothing when not logged in: that is said first (exit 2)', async () => {
    const result = await run(['admin', 'revoke-all', SUB], { fetch: forbiddenFetch().fetch, stdin: typed('yes\n') });
    expect(result).toMatchObject({ code: 2, stderr: 'Error: Not logged in: run apikey login\n' });
  });

  it('adds the ADMIN_SCOPE hint to a 403 (exit 2)', async () => {
    const result = await run(['admin', 'revoke-all', SUB, '--yes'], { ...loggedIn(), fetch: scriptedFetch([forbidden]).fetch });
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `Error: The access token lacks the keys:admin permission (${HINT})\n` });
  });
});

describe('what admin commands print of a user id and of the server’s answers is terminal-safe', () => {
  const HOSTILE_SUB = 'auth0|\u001b[2J\u001b]0;owned\u0007x\u202e';
  const SHOWN = 'auth0|?[2J?]0;owned?x?';
  const unsafe = (text: string) => /[\p{C}\p{Zl}\p{Zp}]/u.test(text.replace(/\n/g, ''));

  it('in the question, the answer, the refusal and the empty list; sent encoded, and exact in JSON', async () => {
    const server = scriptedFetch([{ status: 200, body: { revoked: 1 } }]);
    const asked = await run(['admin', 'revoke-all', HOSTILE_SUB], { ...loggedIn(), fetch: server.fetch, stdin: typed('y\n') });
    expect(asked.code).toBe(0);
    expect(unsafe(asked.stdout + asked.stderr)).toBe(false);
    expect(asked.stderr).toContain(`Revoke every key of ${SHOWN}?`);
    expect(asked.stdout).toBe(`Revoked 1 key of ${SHOWN}.\n`);
    expect(server.requests[0]!.url).toBe(`${LOCAL_DEFAULTS.endpoint}/admin/users/auth0%7C%1B%5B2J%1B%5D0%3Bowned%07x%E2%80%AE/revoke-keys`);

    const refused = await run(['admin', 'revoke-all', HOSTILE_SUB], { ...loggedIn(), fetch: forbiddenFetch().fetch });
    expect(refused.code).toBe(1);
    expect(unsafe(refused.stderr)).toBe(false);
    expect(refused.stderr).toContain(SHOWN);

    const none = await run(['admin', 'list', HOSTILE_SUB], {
      ...loggedIn(),
      fetch: scriptedFetch([{ status: 200, body: { keys: [] } }]).fetch,
    });
    expect(none.stdout).toBe(`${SHOWN} has no keys.\n`);

    const json = await run(['admin', 'revoke-all', HOSTILE_SUB, '--yes', '--json'], {
      ...loggedIn(),
      fetch: scriptedFetch([{ status: 200, body: { revoked: 1 } }]).fetch,
    });
    expect(unsafe(json.stdout)).toBe(false);
    expect(JSON.parse(json.stdout)).toEqual({ sub: HOSTILE_SUB, revoked: 1 });
  });

  it('in the keys listed, a count that is not a number, and the server’s error messages', async () => {
    const hostile = { ...view(`K\u001b[31m`), name: 'n\u009b2J\u2028' };
    const listed = await run(['admin', 'list', SUB], {
      ...loggedIn(),
      now: () => NOW,
      fetch: scriptedFetch([{ status: 200, body: { keys: [hostile] } }]).fetch,
    });
    expect(listed.code).toBe(0);
    expect(unsafe(listed.stdout)).toBe(false);
    expect(listed.stdout).toContain('K?[31m');
    const count = await run(['admin', 'revoke-all', SUB, '--yes'], {
      ...loggedIn(),
      fetch: scriptedFetch([{ status: 200, body: { revoked: '\u001b[2J9' } }]).fetch,
    });
    expect(count.stdout).toBe('Revoked ?[2J9 keys of auth0|abc.\n');
    const error = await run(['admin', 'revoke-all', SUB, '--yes'], {
      ...loggedIn(),
      fetch: scriptedFetch([{ status: 403, body: { code: 'INSUFFICIENT_SCOPE', message: 'no\u001b[2J' } }]).fetch,
    });
    expect(error.stderr).toBe(`Error: no?[2J (${HINT})\n`);
  });
});

describe('help', () => {
  it('apikey --help lists admin; apikey admin --help lists both commands with examples', async () => {
    expect((await run(['--help'])).stdout).toMatch(/\n {2}admin +support staff/);
    const admin = await run(['admin', '--help']);
    expect(admin.code).toBe(0);
    expect(admin.stdout).toContain('list [options] <sub>');
    expect(admin.stdout).toContain('revoke-all [options] <sub>');
    expect(admin.stdout).toContain("$ apikey admin list 'auth0|abc'");
    expect(admin.stdout).toContain("$ apikey admin revoke-all 'auth0|abc' --yes");
    const revokeAll = await run(['admin', 'revoke-all', '--help']);
    expect(revokeAll.stdout).toContain('--yes');
    expect(revokeAll.stdout).toContain('Examples:');
    expect((await run(['create', '--help'])).stdout).toContain('Idempotency-Key');
    expect((await run(['rotate', '--help'])).stdout).toContain('Idempotency-Key');
  });

  it('apikey admin without a command is a usage error', async () => {
    expect((await run(['admin'])).code).toBe(1);
    expect((await run(['admin', 'frob'])).code).toBe(1);
  });
});
