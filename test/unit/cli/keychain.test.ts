import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LoginStore } from '../../../cli/credentials';
import { keychainFor } from '../../../cli/keychain';
import { LOCAL_DEFAULTS } from '../../../cli/settings';
import { fakeToken, freshConfigDir, run, scriptedFetch } from './cli-support';
import { fakeKeychain, type FakeKeychain } from './fake-keychain';

const TOKEN = fakeToken({ sub: 'auth0|alice', exp: 4102444800 });
const SESSION_BUS = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' };

/** The identity provider's two answers for a device login approved at once, then the key list. */
const deviceLoginAnswers = () => [
  { status: 200, body: { device_code: 'dc', user_code: 'BCDF-GHJK', verification_uri: `${LOCAL_DEFAULTS.authUrl}/activate`, interval: 0 } },
  { status: 200, body: { access_token: TOKEN, expires_in: 3600 } },
  { status: 200, body: { keys: [] } },
];

/** Logs in and lists keys with the fake tools on PATH, as `platform` would. */
async function loginAndList(keychain: FakeKeychain, platform: NodeJS.Platform, env: Record<string, string> = {}) {
  const configDir = freshConfigDir();
  const fullEnv = { PATH: keychain.binDir, APIKEY_CONFIG_DIR: configDir, ...SESSION_BUS, ...env };
  const server = scriptedFetch(deviceLoginAnswers());
  const io = { env: fullEnv, fetch: server.fetch, sleep: () => Promise.resolve(), platform };
  const login = await run(['login'], io);
  const list = await run(['list', '--json'], io);
  const whoami = await run(['whoami', '--json'], io);
  return { configDir, io, server, login, list, whoami, file: join(configDir, 'credentials.json') };
}

const everyArgv = (keychain: FakeKeychain) => keychain.calls().flatMap((call) => call.argv);

describe.each([
  ['linux', 'secret-tool'],
  ['darwin', 'security'],
] as const)('the OS keychain on %s (%s)', (platform, tool) => {
  it('keeps the token in the keychain, never on a command line, and the rest of the login in the 0600 file', async () => {
    const keychain = fakeKeychain();
    const { login, list, whoami, server, file } = await loginAndList(keychain, platform);
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`Login kept in the OS keychain (${tool}).`);

    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ sub: 'auth0|alice', tokenInKeychain: tool });
    expect(saved).not.toHaveProperty('accessToken');
    expect(readFileSync(file, 'utf8')).not.toContain(TOKEN);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Stored through stdin only: no argument of any call holds the token, or any part of its encoding.
    const encoded = Buffer.from(TOKEN).toString('base64');
    for (const word of everyArgv(keychain)) {
      expect(word).not.toContain(TOKEN);
      expect(word).not.toContain(encoded.slice(0, 40));
    }
    const store = keychain.calls().find((call) => call.argv[0] === (tool === 'security' ? '-i' : 'store'));
    expect(store?.stdin).toContain(tool === 'security' ? encoded : TOKEN);
    expect(Object.values(keychain.entries())).toHaveLength(1);

    // Later commands read it back and send it to the API.
    expect(list.code).toBe(0);
    const sent = server.requests.at(-1)?.init?.headers as Record<string, string>;
    expect(sent.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ sub: 'auth0|alice', storage: { kind: 'keychain', tool } });
  });

  it('logout removes the token from the keychain and the file', async () => {
    const keychain = fakeKeychain();
    const { io, file } = await loginAndList(keychain, platform);
    const logout = await run(['logout'], io);
    expect(logout).toMatchObject({ code: 0, stdout: 'Logged out.\n' });
    expect(existsSync(file)).toBe(false);
    expect(keychain.entries()).toEqual({});
    expect((await run(['whoami'], io)).code).toBe(2);
  });

  it('falls back to the file when the keychain fails', async () => {
    const keychain = fakeKeychain();
    keychain.setMode('failing');
    const { login, whoami, file } = await loginAndList(keychain, platform);
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`Login kept in ${file}.`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ accessToken: TOKEN });
    expect(JSON.parse(whoami.stdout)).toMatchObject({ storage: { kind: 'file', path: file } });
  });

  it('uses the file alone, running no tool, with APIKEY_KEYCHAIN=off', async () => {
    const keychain = fakeKeychain();
    const { login, file } = await loginAndList(keychain, platform, { APIKEY_KEYCHAIN: 'off' });
    expect(login.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ accessToken: TOKEN });
    expect(keychain.calls()).toEqual([]);
  });

  it('says the login must be made again when the keychain that holds its token is switched off (exit 2)', async () => {
    const keychain = fakeKeychain();
    const { io } = await loginAndList(keychain, platform);
    const off = await run(['list'], { ...io, env: { ...io.env, APIKEY_KEYCHAIN: 'off' } });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain(`Your login's token is in the OS keychain (${tool}), which is not available now`);
    expect(off.stderr).toContain('run apikey login');
  });

  it('gives up on a keychain that does not answer within the timeout, and uses the file', () => {
    const keychain = fakeKeychain();
    keychain.setMode('hanging');
    const dir = freshConfigDir();
    const chosen = keychainFor({ env: { PATH: keychain.binDir, ...SESSION_BUS }, platform, service: 'apikey', timeoutMs: 200 });
    expect(chosen?.tool).toBe(tool);
    const started = Date.now();
    const storage = new LoginStore(dir, chosen).save({
      accessToken: TOKEN,
      expiresAt: 1,
      endpoint: LOCAL_DEFAULTS.endpoint,
      authUrl: LOCAL_DEFAULTS.authUrl,
      audience: LOCAL_DEFAULTS.audience,
      sub: 'auth0|alice',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(storage).toEqual({ kind: 'file', path: join(dir, 'credentials.json') });
  });
});

describe('choosing a keychain', () => {
  const keychain = fakeKeychain();
  const choose = (platform: NodeJS.Platform, env: Record<string, string>) =>
    keychainFor({ env: { PATH: keychain.binDir, ...env }, platform, service: 'apikey' })?.tool;

  it('uses secret-tool on Linux only with a session bus (from DBUS_SESSION_BUS_ADDRESS)', () => {
    expect(choose('linux', SESSION_BUS)).toBe('secret-tool');
    expect(choose('linux', {})).toBeUndefined();
  });

  it('uses none when the tool is not on PATH, or on Windows', () => {
    expect(keychainFor({ env: { PATH: freshConfigDir(), ...SESSION_BUS }, platform: 'linux', service: 'apikey' })).toBeUndefined();
    expect(keychainFor({ env: { PATH: freshConfigDir() }, platform: 'darwin', service: 'apikey' })).toBeUndefined();
    expect(choose('win32', SESSION_BUS)).toBeUndefined();
  });

  it('refuses an APIKEY_KEYCHAIN it does not know (exit 1 from a command)', async () => {
    expect(() => choose('darwin', { APIKEY_KEYCHAIN: 'yes' })).toThrow(/APIKEY_KEYCHAIN must be "off" or "auto"/);
    expect(choose('darwin', { APIKEY_KEYCHAIN: 'auto' })).toBe('security');
    const refused = await run(['logout'], { env: { PATH: keychain.binDir, APIKEY_CONFIG_DIR: freshConfigDir(), APIKEY_KEYCHAIN: 'yes' } });
    expect(refused.code).toBe(1);
  });
});
