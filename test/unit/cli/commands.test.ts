import { saveLogin } from '../../../cli/credentials';
import { deviceLogin } from '../../../cli/device-login';
import { LOCAL_DEFAULTS } from '../../../cli/settings';
import { fakeToken, freshConfigDir, run, scriptedFetch } from './cli-support';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const KEY = 'uak_0123456789ABCDEFGHIJab_' + 'x'.repeat(49);
const created = { id: '0123456789ABCDEFGHIJab', key: KEY, name: 'ci', scopes: ['read'], createdAt: NOW.toISOString(), expiresAt: '2026-08-30T12:00:00.000Z' };

/** A config dir holding a valid login for the local defaults. */
function loggedIn(overrides: { expiresAt?: number } = {}) {
  const dir = freshConfigDir();
  const accessToken = fakeToken({ sub: 'auth0|alice' });
  saveLogin(dir, { accessToken, expiresAt: overrides.expiresAt ?? Date.now() + 3600_000, authUrl: LOCAL_DEFAULTS.authUrl, audience: LOCAL_DEFAULTS.audience, sub: 'auth0|alice' });
  return { env: { APIKEY_CONFIG_DIR: dir }, accessToken };
}

describe('apikey commands', () => {
  it('exits 1 with a usage message for unknown commands and missing flags', async () => {
    expect((await run(['frobnicate'])).code).toBe(1);
    const missing = await run(['create']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--name <name>'");
    const json = await run(['create', '--json']);
    expect(JSON.parse(json.stderr.trim())).toEqual({ error: { code: 'USAGE', message: expect.stringContaining('--name') } });
  });

  it('exits 0 for --help', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: apikey');
  });

  it('exits 2 when not logged in, and when the login expired', async () => {
    const none = await run(['list']);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('Not logged in: run apikey login');
    const expired = await run(['list'], { ...loggedIn({ expiresAt: NOW.getTime() - 60_000 }), now: () => NOW });
    expect(expired.code).toBe(2);
    expect(expired.stderr).toContain('Your login expired 1 minute ago: run apikey login');
  });

  it('creates a key and, piped, prints the key alone on stdout', async () => {
    const { env, accessToken } = loggedIn();
    const server = scriptedFetch([{ status: 201, body: created }]);
    const result = await run(['create', '--name', 'ci', '--scope', 'read', '--scope', 'write', '--expires', '30d'], { env, now: () => NOW, fetch: server.fetch });
    expect(result).toMatchObject({ code: 0, stdout: `${KEY}\n` });
    expect(result.stderr).toContain('Created key 0123456789ABCDEFGHIJab');
    expect(result.stderr).not.toContain(KEY);
    const [request] = server.requests;
    expect(request!.url).toBe(`${LOCAL_DEFAULTS.endpoint}/keys`);
    expect((request!.init!.headers as Record<string, string>).authorization).toBe(`Bearer ${accessToken}`);
    expect(JSON.parse(String(request!.init!.body))).toEqual({ name: 'ci', scopes: ['read', 'write'], expiresAt: '2026-07-01T12:00:00.000Z' });
  });

  it('shows the new key with its details and a warning on a terminal, and as JSON with --json', async () => {
    const tty = await run(['create', '--name', 'ci'], { ...loggedIn(), now: () => NOW, fetch: scriptedFetch([{ status: 201, body: created }]).fetch, tty: true });
    expect(tty.stdout).toContain('shown once');
    expect(tty.stdout.trim().endsWith(KEY)).toBe(true);
    const json = await run(['create', '--name', 'ci', '--json'], { ...loggedIn(), fetch: scriptedFetch([{ status: 201, body: created }]).fetch });
    expect(JSON.parse(json.stdout)).toEqual(created);
  });

  it('maps server answers to exit codes: 404 → 3, 401 → 2, 409 → 1, 503 → 4, network → 4', async () => {
    const cases: Array<[unknown, number]> = [
      [{ status: 404, body: { code: 'KEY_NOT_FOUND', message: 'No key with id "x"' } }, 3],
      [{ status: 401, body: { code: 'INVALID_TOKEN', message: 'Access token has expired' } }, 2],
      [{ status: 409, body: { code: 'KEY_LIMIT_REACHED', message: 'You already have 20 active keys' } }, 1],
      [{ status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'try again' } }, 4],
      [new TypeError('fetch failed'), 4],
    ];
    for (const [response, code] of cases) {
      const result = await run(['show', 'x'], { ...loggedIn(), fetch: scriptedFetch([response as never]).fetch });
      expect(result.code).toBe(code);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const json = await run(['show', 'x', '--json'], { ...loggedIn(), fetch: scriptedFetch([{ status: 404, body: { code: 'KEY_NOT_FOUND', message: 'gone' } }]).fetch });
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'KEY_NOT_FOUND', message: 'gone' } });
  });

  it('lists, shows and revokes', async () => {
    const view = { ...created, status: 'active' };
    delete (view as Partial<typeof created>).key;
    const list = await run(['list', '--json'], { ...loggedIn(), fetch: scriptedFetch([{ status: 200, body: { keys: [view] } }]).fetch });
    expect(JSON.parse(list.stdout)).toEqual({ keys: [view] });
    const human = await run(['list'], { ...loggedIn(), now: () => NOW, fetch: scriptedFetch([{ status: 200, body: { keys: [view] } }]).fetch });
    expect(human.stdout).toMatch(/^ID\s+NAME/);
    const revoke = await run(['revoke', created.id], { ...loggedIn(), fetch: scriptedFetch([{ status: 204 }]).fetch });
    expect(revoke).toMatchObject({ code: 0, stdout: `Revoked ${created.id}.\n` });
  });

  it('uses APIKEY_TOKEN instead of a stored login', async () => {
    const token = fakeToken({ sub: 'auth0|robot', exp: NOW.getTime() / 1000 + 60 });
    const env = { APIKEY_CONFIG_DIR: freshConfigDir(), APIKEY_TOKEN: token };
    const server = scriptedFetch([{ status: 200, body: { keys: [] } }]);
    expect((await run(['list'], { env, fetch: server.fetch })).stdout).toContain('No keys yet');
    expect((server.requests[0]!.init!.headers as Record<string, string>).authorization).toBe(`Bearer ${token}`);
    const who = await run(['whoami'], { env, now: () => NOW });
    expect(who.stdout).toBe('auth0|robot (from APIKEY_TOKEN, expires in 1 minute)\n');
  });

  it('never prints the access token', async () => {
    const { env, accessToken } = loggedIn();
    for (const argv of [['whoami'], ['whoami', '--json'], ['list']]) {
      const result = await run(argv, { env, now: () => NOW, fetch: scriptedFetch([{ status: 401, body: { code: 'INVALID_TOKEN', message: 'bad' } }]).fetch });
      expect(result.stdout + result.stderr).not.toContain(accessToken);
    }
  });
});

describe('the device flow client', () => {
  const start = { status: 200, body: { device_code: 'dev', user_code: 'ABCD-EFGH', verification_uri: 'http://idp/activate', expires_in: 600, interval: 5 } };

  it('polls while pending, slows down when told, and returns the token', async () => {
    const server = scriptedFetch([
      start,
      { status: 403, body: { error: 'authorization_pending' } },
      { status: 429, body: { error: 'slow_down' } },
      { status: 200, body: { access_token: 'tok', expires_in: 86400 } },
    ]);
    const waits: number[] = [];
    const prompts: unknown[] = [];
    const result = await deviceLogin({
      authUrl: 'http://idp',
      clientId: 'cli',
      audience: 'aud',
      fetch: server.fetch,
      sleep: async (ms) => void waits.push(ms),
      onPrompt: (prompt) => prompts.push(prompt),
    });
    expect(result).toEqual({ accessToken: 'tok', expiresInSeconds: 86400 });
    expect(waits).toEqual([5000, 5000, 10000]);
    expect(prompts).toEqual([{ verificationUri: 'http://idp/activate', userCode: 'ABCD-EFGH', expiresInSeconds: 600 }]);
    expect(server.requests[0]!.url).toBe('http://idp/oauth/device/code');
    expect(String(server.requests[1]!.init!.body)).toBe('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dev&client_id=cli');
  });

  it.each([
    ['expired_token', /expired/],
    ['access_denied', /denied/],
  ])('stops with an auth error on %s', async (error, message) => {
    const server = scriptedFetch([start, { status: 403, body: { error } }]);
    await expect(
      deviceLogin({ authUrl: 'http://idp', clientId: 'cli', audience: 'aud', fetch: server.fetch, sleep: async () => undefined, onPrompt: () => undefined }),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });

  it('reports an unreachable identity provider as a network error', async () => {
    const server = scriptedFetch([new TypeError('fetch failed')]);
    await expect(
      deviceLogin({ authUrl: 'http://idp', clientId: 'cli', audience: 'aud', fetch: server.fetch, sleep: async () => undefined, onPrompt: () => undefined }),
    ).rejects.toMatchObject({ exitCode: 4, code: 'IDP_UNREACHABLE' });
  });

  it('gives up when the code expires without an answer', async () => {
    const pending = Array.from({ length: 200 }, () => ({ status: 403, body: { error: 'authorization_pending' } }));
    const server = scriptedFetch([{ ...start, body: { ...start.body, expires_in: 20 } }, ...pending]);
    await expect(
      deviceLogin({ authUrl: 'http://idp', clientId: 'cli', audience: 'aud', fetch: server.fetch, sleep: async () => undefined, onPrompt: () => undefined }),
    ).rejects.toMatchObject({ exitCode: 2, code: 'LOGIN_EXPIRED' });
    expect(server.requests.length).toBeLessThan(30);
  });
});
