import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeysApi } from '../../../cli/api-client';
import { saveLogin } from '../../../cli/credentials';
import { LOCAL_DEFAULTS, resolveSettings } from '../../../cli/settings';
import { fakeToken, forbiddenFetch, freshConfigDir, run, scriptedFetch } from './cli-support';

const A = 'https://a.example';
const B = 'https://b.example';

/** A config dir holding a valid login made for `endpoint` through the local identity provider. */
function loggedInFor(endpoint: string) {
  const dir = freshConfigDir();
  const accessToken = fakeToken({ sub: 'auth0|alice' });
  saveLogin(dir, {
    accessToken,
    expiresAt: Date.now() + 3600_000,
    endpoint,
    authUrl: LOCAL_DEFAULTS.authUrl,
    audience: LOCAL_DEFAULTS.audience,
    sub: 'auth0|alice',
  });
  return { dir, accessToken };
}

describe('the endpoint must use https, or plain http to this machine only', () => {
  const settingsFor = (flags: { endpoint?: string }, env: Record<string, string> = {}) =>
    resolveSettings(flags, { APIKEY_CONFIG_DIR: freshConfigDir(), ...env });

  // The client library's own rule (client/base-url.ts): what the CLI accepts, its client sends to.
  it.each([
    'http://127.0.0.1:3000',
    'http://127.0.0.2:3000',
    'http://localhost:8080/prod',
    'http://[::1]:3000',
    'https://api.example.com/stage',
  ])('accepts %s', (endpoint) => {
    expect(settingsFor({ endpoint }).endpoint).toBe(endpoint);
  });

  it.each([
    ['http://api.example.com', 'http://api.example.com'],
    ['http://127.0.0.1.evil.example', 'http://127.0.0.1.evil.example'],
    ['http://localhost@evil.example', 'http://evil.example'],
    ['http://0.0.0.0:3000', 'http://0.0.0.0:3000'],
    ['http://192.168.1.10:3000/stage', 'http://192.168.1.10:3000'],
  ])('refuses %s as a usage error (exit 1, INSECURE_ENDPOINT) naming its host and the setting', (endpoint, origin) => {
    expect(() => settingsFor({ endpoint })).toThrow(expect.objectContaining({ code: 'INSECURE_ENDPOINT', exitCode: 1 }) as Error);
    expect(() => settingsFor({ endpoint })).toThrow(
      `The endpoint must use https: ${origin} is plain http, which would carry your access token in cleartext`,
    );
    expect(() => settingsFor({ endpoint })).toThrow(/\(plain http only to this machine: .*\) \(from --endpoint\)$/);
    expect(() => settingsFor({}, { APIKEY_ENDPOINT: endpoint })).toThrow(/\(from APIKEY_ENDPOINT\)$/);
  });

  it('refuses a user name or password in the endpoint, without repeating them', () => {
    const refusal = (() => {
      try {
        settingsFor({ endpoint: 'https://me:hunter2@api.example.com' });
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected a refusal');
    })();
    expect(refusal).toMatchObject({ code: 'INSECURE_ENDPOINT', exitCode: 1 });
    expect(refusal.message).toMatch(/^The endpoint must not hold a user name or password .* \(from --endpoint\)$/);
    expect(refusal.message).not.toContain('hunter2');
  });

  it('refuses a plain-http identity provider off this machine the same way, naming the setting', () => {
    expect(() => settingsFor({}, { APIKEY_AUTH_DOMAIN: 'http://tenant.eu.auth0.com' })).toThrow(
      expect.objectContaining({ code: 'INSECURE_ENDPOINT', exitCode: 1 }) as Error,
    );
    expect(() => settingsFor({}, { APIKEY_AUTH_DOMAIN: 'http://tenant.eu.auth0.com' })).toThrow(
      /^The identity provider must use https: http:\/\/tenant\.eu\.auth0\.com is plain http.* \(from APIKEY_AUTH_DOMAIN\)$/,
    );
    expect(() => settingsFor({}, { APIKEY_AUTH_DOMAIN: 'me:hunter2@tenant.eu.auth0.com' })).toThrow(
      /must not hold a user name or password/,
    );
    expect(settingsFor({}, { APIKEY_AUTH_DOMAIN: 'http://127.0.0.1:3001' }).authUrl).toBe('http://127.0.0.1:3001');
  });

  it('maps the client’s own refusal to the same usage error, should an endpoint reach it unchecked', () => {
    expect(() => new KeysApi('http://api.example.com', fakeToken({ sub: 'robot' }), { fetch: forbiddenFetch().fetch })).toThrow(
      expect.objectContaining({ name: 'CliError', code: 'INSECURE_ENDPOINT', exitCode: 1 }) as Error,
    );
  });

  it('names the config file and its key when the endpoint came from there', () => {
    const dir = freshConfigDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ endpoint: 'http://api.example.com' }));
    expect(() => resolveSettings({}, { APIKEY_CONFIG_DIR: dir })).toThrow(`(from "endpoint" in ${join(dir, 'config.json')})`);
  });

  it('refuses before any request, with a token from APIKEY_TOKEN or a stored login (exit 1, INSECURE_ENDPOINT)', async () => {
    const server = forbiddenFetch();
    const withToken = await run(['list', '--endpoint', 'http://api.example.com', '--json'], {
      env: { APIKEY_CONFIG_DIR: freshConfigDir(), APIKEY_TOKEN: fakeToken({ sub: 'robot' }) },
      fetch: server.fetch,
    });
    expect(withToken.code).toBe(1);
    expect(JSON.parse(withToken.stderr)).toEqual({
      error: { code: 'INSECURE_ENDPOINT', message: expect.stringContaining('(from --endpoint)') },
    });
    const { dir, accessToken } = loggedInFor('http://api.example.com');
    const withLogin = await run(['show', 'x'], {
      env: { APIKEY_CONFIG_DIR: dir, APIKEY_ENDPOINT: 'http://api.example.com' },
      fetch: server.fetch,
    });
    expect(withLogin.code).toBe(1);
    expect(withLogin.stderr).toMatch(/^Error: The endpoint must use https.*\(from APIKEY_ENDPOINT\)\n$/);
    expect(withLogin.stderr).not.toContain(accessToken);
    expect(server.calls).toEqual([]);
  });
});

describe('a login is bound to the endpoint and identity provider it was made for', () => {
  it('is sent to its own endpoint (written in any case, with or without a trailing slash), and only with redirects refused', async () => {
    const { dir, accessToken } = loggedInFor(A);
    const server = scriptedFetch([{ status: 200, body: { keys: [] } }]);
    const result = await run(['list', '--endpoint', 'https://A.example/'], { env: { APIKEY_CONFIG_DIR: dir }, fetch: server.fetch });
    expect(result.code).toBe(0);
    expect(server.requests.map((request) => request.url)).toEqual([`${A}/keys?limit=100`]);
    expect((server.requests[0]!.init!.headers as Record<string, string>).authorization).toBe(`Bearer ${accessToken}`);
    expect(server.requests[0]!.init!.redirect).toBe('error');
  });

  it('is never sent to another endpoint: exit 2, "run apikey login", before any request', async () => {
    const { dir, accessToken } = loggedInFor(A);
    const server = forbiddenFetch();
    for (const argv of [['list'], ['show', 'x'], ['revoke', 'x'], ['rotate', 'x'], ['events', 'x'], ['whoami']]) {
      const result = await run([...argv, '--endpoint', B], { env: { APIKEY_CONFIG_DIR: dir }, fetch: server.fetch });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toBe(`Error: Your login is for ${A}, not ${B}: run apikey login\n`);
      expect(result.stderr).not.toContain(accessToken);
    }
    const json = await run(['list', '--json'], { env: { APIKEY_CONFIG_DIR: dir, APIKEY_ENDPOINT: B }, fetch: server.fetch });
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: 'OTHER_LOGIN', message: expect.stringContaining('run apikey login') } });
    expect(server.calls).toEqual([]);
  });

  it('is never sent when the identity provider changed either', async () => {
    const { dir } = loggedInFor(A);
    const server = forbiddenFetch();
    const result = await run(['list', '--endpoint', A, '--auth-domain', 'tenant.eu.auth0.com'], {
      env: { APIKEY_CONFIG_DIR: dir },
      fetch: server.fetch,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('run apikey login');
    expect(server.calls).toEqual([]);
  });

  it('refuses a login stored before logins recorded their endpoint, without crashing', async () => {
    const dir = freshConfigDir();
    const accessToken = fakeToken({ sub: 'auth0|alice' });
    writeFileSync(
      join(dir, 'credentials.json'),
      JSON.stringify({
        accessToken,
        expiresAt: Date.now() + 3600_000,
        authUrl: LOCAL_DEFAULTS.authUrl,
        audience: LOCAL_DEFAULTS.audience,
        sub: 'auth0|alice',
      }),
      { mode: 0o600 },
    );
    const server = forbiddenFetch();
    for (const argv of [['list'], ['whoami'], ['list', '--json']]) {
      const result = await run(argv, { env: { APIKEY_CONFIG_DIR: dir }, fetch: server.fetch });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain('run apikey login');
      expect(result.stderr).not.toContain(accessToken);
    }
    const json = await run(['list', '--json'], { env: { APIKEY_CONFIG_DIR: dir }, fetch: server.fetch });
    expect(JSON.parse(json.stderr).error.code).toBe('LOGIN_NOT_BOUND');
    expect(server.calls).toEqual([]);
    expect((await run(['logout'], { env: { APIKEY_CONFIG_DIR: dir } })).stdout).toBe('Logged out.\n');
  });

  it('records the endpoint at login, and the new login then goes to that endpoint alone', async () => {
    const dir = freshConfigDir();
    const accessToken = fakeToken({ sub: 'auth0|alice' });
    const idp = scriptedFetch([
      {
        status: 200,
        body: { device_code: 'dev', user_code: 'ABCD-EFGH', verification_uri: 'http://127.0.0.1:3001/activate', interval: 1 },
      },
      { status: 200, body: { access_token: accessToken, expires_in: 3600 } },
    ]);
    const login = await run(['login', '--endpoint', A], {
      env: { APIKEY_CONFIG_DIR: dir },
      fetch: idp.fetch,
      sleep: () => Promise.resolve(),
    });
    expect(login).toMatchObject({ code: 0, stdout: 'Logged in as auth0|alice.\n' });
    expect(idp.requests.every((request) => request.url.startsWith(LOCAL_DEFAULTS.authUrl))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'))).toMatchObject({ endpoint: A, authUrl: LOCAL_DEFAULTS.authUrl });

    const whoami = await run(['whoami', '--endpoint', A, '--json'], { env: { APIKEY_CONFIG_DIR: dir } });
    expect(JSON.parse(whoami.stdout)).toMatchObject({ sub: 'auth0|alice', endpoint: A, source: 'login' });
    const server = forbiddenFetch();
    expect((await run(['list'], { env: { APIKEY_CONFIG_DIR: dir }, fetch: server.fetch })).code).toBe(2); // the default endpoint is not A
    expect(server.calls).toEqual([]);
  });
});
