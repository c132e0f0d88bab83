import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveLogin } from '../../../cli/credentials';
import { deviceLogin } from '../../../cli/device-login';
import { LOCAL_DEFAULTS } from '../../../cli/settings';
import { fakeToken, freshConfigDir, run, scriptedFetch } from './cli-support';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const KEY = 'uak_0123456789ABCDEFGHIJab_' + 'x'.repeat(49);
const created = {
  id: '0123456789ABCDEFGHIJab',
  key: KEY,
  name: 'ci',
  scopes: ['read'],
  createdAt: NOW.toISOString(),
  expiresAt: '2026-08-30T12:00:00.000Z',
};

/** A config dir holding a valid login for the local defaults. */
function loggedIn(overrides: { expiresAt?: number } = {}) {
  const dir = freshConfigDir();
  const accessToken = fakeToken({ sub: 'auth0|alice' });
  saveLogin(dir, {
    accessToken,
    expiresAt: overrides.expiresAt ?? Date.now() + 3600_000,
    endpoint: LOCAL_DEFAULTS.endpoint,
    authUrl: LOCAL_DEFAULTS.authUrl,
    audience: LOCAL_DEFAULTS.audience,
    sub: 'auth0|alice',
  });
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

  it('exits 0 for --help, which lists the commands and the exit codes', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: apikey');
    for (const command of ['rotate [options] <id>', 'disable <id>', 'enable <id>', 'rename <id> <name>', 'events <id>']) {
      expect(help.stdout).toContain(command);
    }
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*\n {2}5 {2}conflict \(409\)/);
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
    const result = await run(['create', '--name', 'ci', '--scope', 'read', '--scope', 'write', '--expires', '30d'], {
      env,
      now: () => NOW,
      fetch: server.fetch,
    });
    expect(result).toMatchObject({ code: 0, stdout: `${KEY}\n` });
    expect(result.stderr).toContain('Created key 0123456789ABCDEFGHIJab');
    expect(result.stderr).not.toContain(KEY);
    const [request] = server.requests;
    expect(request!.url).toBe(`${LOCAL_DEFAULTS.endpoint}/keys`);
    expect((request!.init!.headers as Record<string, string>).authorization).toBe(`Bearer ${accessToken}`);
    expect(JSON.parse(request!.init!.body as string)).toEqual({
      name: 'ci',
      scopes: ['read', 'write'],
      expiresAt: '2026-07-01T12:00:00.000Z',
    });
  });

  it('shows the new key with its details and a warning on a terminal, and as JSON with --json', async () => {
    const tty = await run(['create', '--name', 'ci'], {
      ...loggedIn(),
      now: () => NOW,
      fetch: scriptedFetch([{ status: 201, body: created }]).fetch,
      tty: true,
    });
    expect(tty.stdout).toContain('shown once');
    expect(tty.stdout.trim().endsWith(KEY)).toBe(true);
    const json = await run(['create', '--name', 'ci', '--json'], {
      ...loggedIn(),
      fetch: scriptedFetch([{ status: 201, body: created }]).fetch,
    });
    expect(JSON.parse(json.stdout)).toEqual(created);
  });

  it('maps server answers to exit codes: 404 → 3, 401 → 2, 409 → 5, 400 → 1, 503 → 4, network → 4', async () => {
    const cases: [unknown, number][] = [
      [{ status: 404, body: { code: 'KEY_NOT_FOUND', message: 'No key with id "x"' } }, 3],
      [{ status: 401, body: { code: 'INVALID_TOKEN', message: 'Access token has expired' } }, 2],
      [{ status: 409, body: { code: 'KEY_LIMIT_REACHED', message: 'You already have 20 active keys' } }, 5],
      [{ status: 409, body: { code: 'KEY_REVOKED', message: 'This key is revoked, and revocation is final' } }, 5],
      [{ status: 400, body: { code: 'INVALID_REQUEST', message: 'name must be 1 to 100 characters' } }, 1],
      [{ status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'try again' } }, 4],
      [new TypeError('fetch failed'), 4],
    ];
    for (const [response, code] of cases) {
      const result = await run(['show', 'x'], { ...loggedIn(), fetch: scriptedFetch([response as never]).fetch });
      expect(result.code).toBe(code);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    const json = await run(['show', 'x', '--json'], {
      ...loggedIn(),
      fetch: scriptedFetch([{ status: 404, body: { code: 'KEY_NOT_FOUND', message: 'gone' } }]).fetch,
    });
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'KEY_NOT_FOUND', message: 'gone' } });
  });

  it('lists, shows and revokes', async () => {
    const view = { ...created, status: 'active' };
    delete (view as Partial<typeof created>).key;
    const list = await run(['list', '--json'], { ...loggedIn(), fetch: scriptedFetch([{ status: 200, body: { keys: [view] } }]).fetch });
    expect(JSON.parse(list.stdout)).toEqual({ keys: [view] });
    const human = await run(['list'], {
      ...loggedIn(),
      now: () => NOW,
      fetch: scriptedFetch([{ status: 200, body: { keys: [view] } }]).fetch,
    });
    expect(human.stdout).toMatch(/^ID\s+NAME/);
    const revoke = await run(['revoke', created.id], { ...loggedIn(), fetch: scriptedFetch([{ status: 204 }]).fetch });
    expect(revoke).toMatchObject({ code: 0, stdout: `Revoked ${created.id}.\n` });
  });

  it('sends its own user agent, its command name and version, so a key’s history names the CLI', async () => {
    const server = scriptedFetch([{ status: 200, body: { keys: [] } }]);
    await run(['list'], { ...loggedIn(), fetch: server.fetch });
    const version = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
    expect((server.requests[0]!.init!.headers as Record<string, string>)['user-agent']).toBe(`apikey/${version} (node ${process.version})`);
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
      const result = await run(argv, {
        env,
        now: () => NOW,
        fetch: scriptedFetch([{ status: 401, body: { code: 'INVALID_TOKEN', message: 'bad' } }]).fetch,
      });
      expect(result.stdout + result.stderr).not.toContain(accessToken);
    }
  });
});

describe('key lifecycle commands', () => {
  const OLD_ID = 'OLDOLDOLDOLDOLDOLDOLD1';
  const view = {
    id: OLD_ID,
    name: 'ci',
    scopes: ['read'],
    createdAt: '2026-05-01T12:00:00.000Z',
    expiresAt: '2026-08-30T12:00:00.000Z',
    status: 'active',
    enabled: true,
  };
  const rotated = { ...created, rotatedFrom: OLD_ID, replaced: { id: OLD_ID, expiresAt: '2026-06-01T12:30:00.000Z' } };
  const body = (request: { init: RequestInit | undefined } | undefined) =>
    request?.init?.body === undefined ? undefined : JSON.parse(request.init.body as string);

  describe('rotate', () => {
    it('posts the grace period in seconds and, piped, prints the new key alone, the rest on stderr', async () => {
      const server = scriptedFetch([{ status: 201, body: rotated }]);
      const result = await run(['rotate', OLD_ID, '--grace', '30m'], { ...loggedIn(), now: () => NOW, fetch: server.fetch });
      expect(result).toMatchObject({ code: 0, stdout: `${KEY}\n` });
      expect(result.stderr).toBe(
        `Rotated key ${OLD_ID} to ${created.id} (ci), expires ${created.expiresAt}. The old key ${OLD_ID} keeps working until 2026-06-01T12:30:00.000Z (in 30 minutes). The new key is shown once.\n`,
      );
      expect(server.requests[0]!.url).toBe(`${LOCAL_DEFAULTS.endpoint}/keys/${OLD_ID}/rotate`);
      expect(server.requests[0]!.init!.method).toBe('POST');
      expect(body(server.requests[0])).toEqual({ gracePeriodSeconds: 1800 });
    });

    it('leaves the grace period to the server without --grace, and sends 0 for --grace 0', async () => {
      const plain = scriptedFetch([{ status: 201, body: rotated }]);
      await run(['rotate', OLD_ID], { ...loggedIn(), fetch: plain.fetch });
      expect(body(plain.requests[0])).toEqual({});
      const none = scriptedFetch([{ status: 201, body: { ...rotated, replaced: { id: OLD_ID, expiresAt: '2026-06-01T12:00:00.000Z' } } }]);
      const result = await run(['rotate', OLD_ID, '--grace', '0'], { ...loggedIn(), now: () => NOW, fetch: none.fetch });
      expect(body(none.requests[0])).toEqual({ gracePeriodSeconds: 0 });
      expect(result.stderr).toContain(`The old key ${OLD_ID} no longer works.`);
    });

    it('shows the new key with the old key’s fate on a terminal, and the whole answer with --json', async () => {
      const tty = await run(['rotate', OLD_ID], {
        ...loggedIn(),
        now: () => NOW,
        fetch: scriptedFetch([{ status: 201, body: rotated }]).fetch,
        tty: true,
      });
      expect(tty.stdout).toContain(`old key ${OLD_ID} keeps working until 2026-06-01T12:30:00.000Z`);
      expect(tty.stdout).toContain('shown once');
      expect(tty.stdout.trim().endsWith(KEY)).toBe(true);
      expect(tty.stderr).toBe('');
      const json = await run(['rotate', OLD_ID, '--json'], { ...loggedIn(), fetch: scriptedFetch([{ status: 201, body: rotated }]).fetch });
      expect(JSON.parse(json.stdout)).toEqual(rotated);
    });

    it.each(['8d', '1y', '90', 'soon'])('refuses --grace %s with exit 1 before calling the server', async (grace) => {
      const server = scriptedFetch([]);
      const result = await run(['rotate', OLD_ID, '--grace', grace], { ...loggedIn(), fetch: server.fetch });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/--grace/);
      expect(server.requests).toHaveLength(0);
    });

    it.each(['KEY_REVOKED', 'KEY_EXPIRED', 'KEY_ALREADY_ROTATED', 'SCOPE_NO_LONGER_ALLOWED'])(
      'exits 5 on 409 %s, one line, JSON with --json',
      async (code) => {
        const answer = { status: 409, body: { code, message: 'refused' } };
        const result = await run(['rotate', OLD_ID], { ...loggedIn(), fetch: scriptedFetch([answer]).fetch });
        expect(result).toMatchObject({ code: 5, stdout: '', stderr: 'Error: refused\n' });
        const json = await run(['rotate', OLD_ID, '--json'], { ...loggedIn(), fetch: scriptedFetch([answer]).fetch });
        expect(json.code).toBe(5);
        expect(JSON.parse(json.stderr)).toEqual({ error: { code, message: 'refused' } });
      },
    );
  });

  describe('disable, enable, rename', () => {
    it.each([
      [['disable', OLD_ID], { enabled: false }, { status: 'disabled', enabled: false, disabledAt: '2026-06-01T12:00:00.000Z' }],
      [['enable', OLD_ID], { enabled: true }, {}],
      [['rename', OLD_ID, 'deploy bot'], { name: 'deploy bot' }, { name: 'deploy bot' }],
    ])('%j sends PATCH %j and prints the key’s new state', async (argv, change, state) => {
      const server = scriptedFetch([{ status: 200, body: { ...view, ...state } }]);
      const result = await run(argv, { ...loggedIn(), now: () => NOW, fetch: server.fetch });
      expect(result.code).toBe(0);
      expect(server.requests[0]!.url).toBe(`${LOCAL_DEFAULTS.endpoint}/keys/${OLD_ID}`);
      expect(server.requests[0]!.init!.method).toBe('PATCH');
      expect(body(server.requests[0])).toEqual(change);
      expect(result.stdout).toContain(`id        ${OLD_ID}\n`);
      expect(result.stdout).toContain(`name      ${(state as { name?: string }).name ?? 'ci'}\n`);
      expect(result.stdout).toContain(`status    ${(state as { status?: string }).status ?? 'active'}\n`);
      const json = await run([...argv, '--json'], {
        ...loggedIn(),
        fetch: scriptedFetch([{ status: 200, body: { ...view, ...state } }]).fetch,
      });
      expect(JSON.parse(json.stdout)).toEqual({ ...view, ...state });
    });

    it('needs a name to rename (exit 1), and reports a revoked key as a conflict (exit 5)', async () => {
      const server = scriptedFetch([]);
      expect((await run(['rename', OLD_ID], { ...loggedIn(), fetch: server.fetch })).code).toBe(1);
      expect(server.requests).toHaveLength(0);
      const revoked = await run(['disable', OLD_ID], {
        ...loggedIn(),
        fetch: scriptedFetch([{ status: 409, body: { code: 'KEY_REVOKED', message: 'This key is revoked, and revocation is final' } }])
          .fetch,
      });
      expect(revoked).toMatchObject({ code: 5, stdout: '', stderr: 'Error: This key is revoked, and revocation is final\n' });
    });
  });

  describe('events', () => {
    const event = (type: string, at: string) => ({ type, actor: 'auth0|alice', at, sourceIp: '127.0.0.1', userAgent: 'apikey-cli' });

    it('follows every page and prints one table, newest first', async () => {
      const server = scriptedFetch([
        { status: 200, body: { events: [event('rename', '2026-06-01T11:59:00.000Z')], nextCursor: 'c 1' } },
        { status: 200, body: { events: [], nextCursor: 'c2' } },
        { status: 200, body: { events: [event('create', '2026-05-01T12:00:00.000Z')] } },
      ]);
      const result = await run(['events', OLD_ID], { ...loggedIn(), now: () => NOW, fetch: server.fetch });
      expect(result.code).toBe(0);
      expect(server.requests.map((r) => r.url)).toEqual([
        `${LOCAL_DEFAULTS.endpoint}/keys/${OLD_ID}/events?limit=100`,
        `${LOCAL_DEFAULTS.endpoint}/keys/${OLD_ID}/events?limit=100&cursor=c%201`,
        `${LOCAL_DEFAULTS.endpoint}/keys/${OLD_ID}/events?limit=100&cursor=c2`,
      ]);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^WHEN\s+TYPE\s+ACTOR\s+SOURCE IP\s+USER AGENT\s+DETAILS$/);
      expect(lines[1]).toMatch(/^1 minute ago\s+rename\s+auth0\|alice\s+127\.0\.0\.1\s+apikey-cli/);
      expect(lines[2]).toMatch(/^last month\s+create\s/);
    });

    it('prints { events } with --json, and exits 3 for an unknown key', async () => {
      const events = [event('create', '2026-05-01T12:00:00.000Z')];
      const json = await run(['events', OLD_ID, '--json'], {
        ...loggedIn(),
        fetch: scriptedFetch([{ status: 200, body: { events } }]).fetch,
      });
      expect(JSON.parse(json.stdout)).toEqual({ events });
      const missing = await run(['events', OLD_ID], {
        ...loggedIn(),
        fetch: scriptedFetch([{ status: 404, body: { code: 'KEY_NOT_FOUND', message: 'No key' } }]).fetch,
      });
      expect(missing.code).toBe(3);
    });
  });

  describe('list --status', () => {
    it('passes repeated and comma-separated states to the server as one list, following short pages', async () => {
      const server = scriptedFetch([
        { status: 200, body: { keys: [], nextCursor: 'next' } },
        { status: 200, body: { keys: [{ ...view, status: 'disabled', enabled: false }] } },
      ]);
      const result = await run(['list', '--status', 'disabled,rotated', '--status', 'disabled', '--json'], {
        ...loggedIn(),
        fetch: server.fetch,
      });
      expect(server.requests.map((r) => r.url)).toEqual([
        `${LOCAL_DEFAULTS.endpoint}/keys?limit=100&status=disabled%2Crotated`,
        `${LOCAL_DEFAULTS.endpoint}/keys?limit=100&status=disabled%2Crotated&cursor=next`,
      ]);
      expect(JSON.parse(result.stdout).keys).toEqual([{ ...view, status: 'disabled', enabled: false }]);
    });

    it('sends no filter without --status, says when nothing matches, and refuses an unknown state (exit 1)', async () => {
      const plain = scriptedFetch([{ status: 200, body: { keys: [] } }]);
      await run(['list'], { ...loggedIn(), fetch: plain.fetch });
      expect(plain.requests[0]!.url).toBe(`${LOCAL_DEFAULTS.endpoint}/keys?limit=100`);
      const none = await run(['list', '--status', 'revoked'], {
        ...loggedIn(),
        fetch: scriptedFetch([{ status: 200, body: { keys: [] } }]).fetch,
      });
      expect(none.stdout).toBe('No keys with status revoked.\n');
      const server = scriptedFetch([]);
      const bad = await run(['list', '--status', 'paused', '--json'], { ...loggedIn(), fetch: server.fetch });
      expect(bad.code).toBe(1);
      expect(JSON.parse(bad.stderr).error.code).toBe('BAD_STATUS');
      expect(server.requests).toHaveLength(0);
    });
  });
});

describe('the device flow client', () => {
  const start = {
    status: 200,
    body: { device_code: 'dev', user_code: 'ABCD-EFGH', verification_uri: 'http://idp/activate', expires_in: 600, interval: 5 },
  };

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
      authUrl: 'https://idp',
      clientId: 'cli',
      audience: 'aud',
      fetch: server.fetch,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      onPrompt: (prompt) => prompts.push(prompt),
    });
    expect(result).toEqual({ accessToken: 'tok', expiresInSeconds: 86400 });
    expect(waits).toEqual([5000, 5000, 10000]);
    expect(prompts).toEqual([{ verificationUri: 'http://idp/activate', userCode: 'ABCD-EFGH', expiresInSeconds: 600 }]);
    expect(server.requests[0]!.url).toBe('https://idp/oauth/device/code');
    expect(server.requests[1]!.init!.body as string).toBe(
      'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dev&client_id=cli',
    );
  });

  it.each([
    ['expired_token', /expired/],
    ['access_denied', /denied/],
  ])('stops with an auth error on %s', async (error, message) => {
    const server = scriptedFetch([start, { status: 403, body: { error } }]);
    await expect(
      deviceLogin({
        authUrl: 'https://idp',
        clientId: 'cli',
        audience: 'aud',
        fetch: server.fetch,
        sleep: () => Promise.resolve(),
        onPrompt: () => undefined,
      }),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });

  it('reports an unreachable identity provider as a network error', async () => {
    const server = scriptedFetch([new TypeError('fetch failed')]);
    await expect(
      deviceLogin({
        authUrl: 'https://idp',
        clientId: 'cli',
        audience: 'aud',
        fetch: server.fetch,
        sleep: () => Promise.resolve(),
        onPrompt: () => undefined,
      }),
    ).rejects.toMatchObject({ exitCode: 4, code: 'IDP_UNREACHABLE' });
  });

  it('gives up when the code expires without an answer', async () => {
    const pending = Array.from({ length: 200 }, () => ({ status: 403, body: { error: 'authorization_pending' } }));
    const server = scriptedFetch([{ ...start, body: { ...start.body, expires_in: 20 } }, ...pending]);
    await expect(
      deviceLogin({
        authUrl: 'https://idp',
        clientId: 'cli',
        audience: 'aud',
        fetch: server.fetch,
        sleep: () => Promise.resolve(),
        onPrompt: () => undefined,
      }),
    ).rejects.toMatchObject({ exitCode: 2, code: 'LOGIN_EXPIRED' });
    expect(server.requests.length).toBeLessThan(30);
  });

  it('refuses a plain-http identity provider off this machine as a usage error (exit 1), before any request', async () => {
    const server = scriptedFetch([]);
    await expect(
      deviceLogin({
        authUrl: 'http://tenant.eu.auth0.com',
        clientId: 'cli',
        audience: 'aud',
        fetch: server.fetch,
        sleep: () => Promise.resolve(),
        onPrompt: () => undefined,
      }),
    ).rejects.toMatchObject({
      name: 'CliError',
      exitCode: 1,
      code: 'INSECURE_ENDPOINT',
      message: expect.stringMatching(/^The identity provider must use https: http:\/\/tenant\.eu\.auth0\.com is plain http/),
    });
    expect(server.requests).toEqual([]);
  });
});
