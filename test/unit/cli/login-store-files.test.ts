import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../../../cli/errors';
import { LoginStore, loadLogin, removeLogin, saveLogin, type StoredLogin } from '../../../cli/credentials';
import { keychainFor, type Keychain, type KeychainRead } from '../../../cli/keychain';
import { LOCAL_DEFAULTS } from '../../../cli/settings';
import { fakeToken, freshConfigDir, run } from './cli-support';
import { fakeKeychain } from './fake-keychain';

const TOKEN = fakeToken({ sub: 'auth0|alice', exp: 4102444800 });
const login: StoredLogin = {
  accessToken: TOKEN,
  expiresAt: 4102444800000,
  endpoint: LOCAL_DEFAULTS.endpoint,
  authUrl: LOCAL_DEFAULTS.authUrl,
  audience: LOCAL_DEFAULTS.audience,
  sub: 'auth0|alice',
};
const posix = process.platform !== 'win32';
const onPosix = posix ? it : it.skip;

/** The CliError `load()` throws. */
function loadError(dir: string): CliError {
  try {
    loadLogin(dir);
  } catch (error) {
    return error as CliError;
  }
  throw new Error('expected load() to refuse');
}

describe('the login file on disk', () => {
  onPosix('makes an existing 0755 config folder the user’s alone (0700)', () => {
    const dir = join(freshConfigDir(), 'apikey');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    saveLogin(dir, login);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  onPosix('replaces a link at credentials.json rather than writing the token through it', () => {
    const dir = freshConfigDir();
    const target = join(freshConfigDir(), 'elsewhere.txt');
    writeFileSync(target, 'untouched', { mode: 0o644 });
    symlinkSync(target, join(dir, 'credentials.json'));
    saveLogin(dir, login);
    expect(readFileSync(target, 'utf8')).toBe('untouched');
    expect(lstatSync(join(dir, 'credentials.json')).isSymbolicLink()).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'))).toMatchObject({ accessToken: TOKEN });
    // No temporary file is left behind.
    expect(readdirSync(dir)).toEqual(['credentials.json']);
  });

  onPosix('refuses to read a credentials.json others can read, saying what to do, without the token', () => {
    const dir = freshConfigDir();
    saveLogin(dir, login);
    chmodSync(join(dir, 'credentials.json'), 0o644);
    const error = loadError(dir);
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({ code: 'CREDENTIALS_EXPOSED', exitCode: 2 });
    expect(error.message).toMatch(/can be read by others \(mode 644\)/);
    expect(error.message).toMatch(/apikey logout, then apikey login/);
    expect(error.message).not.toContain(TOKEN);
  });

  onPosix('refuses to read through a link at credentials.json', () => {
    const dir = freshConfigDir();
    const other = freshConfigDir();
    saveLogin(other, login);
    symlinkSync(join(other, 'credentials.json'), join(dir, 'credentials.json'));
    const error = loadError(dir);
    expect(error).toMatchObject({ code: 'CREDENTIALS_EXPOSED' });
    expect(error.message).toMatch(/is a link/);
    expect(error.message).not.toContain(TOKEN);
    // Logout removes the link itself, leaving its target.
    expect(removeLogin(dir)).toBe(true);
    expect(existsSync(join(dir, 'credentials.json'))).toBe(false);
    expect(existsSync(join(other, 'credentials.json'))).toBe(true);
  });

  onPosix('the CLI reports an exposed file (exit 2) without the token, and logout then login fixes it', async () => {
    const dir = freshConfigDir();
    saveLogin(dir, login);
    chmodSync(join(dir, 'credentials.json'), 0o640);
    const env = { APIKEY_CONFIG_DIR: dir, APIKEY_KEYCHAIN: 'off' };
    const whoami = await run(['whoami'], { env });
    expect(whoami.code).toBe(2);
    expect(whoami.stderr).toMatch(/can be read by others/);
    expect(`${whoami.stdout}${whoami.stderr}`).not.toContain(TOKEN);
    expect((await run(['logout'], { env })).code).toBe(0);
    expect(existsSync(join(dir, 'credentials.json'))).toBe(false);
  });
});

/** A keychain in memory whose writes can be made to fail. */
function memoryKeychain() {
  const entries = new Map<string, string>();
  let writes = true;
  const keychain: Keychain = {
    description: 'memory',
    tool: 'secret-tool',
    read: (account): KeychainRead => {
      const secret = entries.get(account);
      return secret !== undefined ? { status: 'found', secret } : { status: 'absent' };
    },
    write: (account, secret) => {
      if (!writes) return false;
      entries.set(account, secret);
      return true;
    },
    remove: (account) => entries.delete(account),
  };
  return { keychain, entries, failWrites: () => (writes = false) };
}

describe('the keychain entry and the file stay in step', () => {
  it('a login that falls back to the file removes the keychain entry an earlier login made', () => {
    const dir = freshConfigDir();
    const memory = memoryKeychain();
    new LoginStore(dir, memory.keychain).save(login);
    expect(memory.entries.size).toBe(1);
    memory.failWrites();
    expect(new LoginStore(dir, memory.keychain).save({ ...login, accessToken: `${TOKEN}2` })).toMatchObject({ kind: 'file' });
    expect(memory.entries.size).toBe(0);
  });

  it('logout with APIKEY_KEYCHAIN=off removes the file, then says the token is still in the keychain and how to remove it', async () => {
    const keychain = fakeKeychain();
    const dir = freshConfigDir();
    const env = { PATH: keychain.binDir, APIKEY_CONFIG_DIR: dir, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' };
    const chosen = keychainFor({ env, platform: 'linux', service: 'apikey' });
    new LoginStore(dir, chosen).save(login);
    expect(Object.keys(keychain.entries())).toHaveLength(1);

    const off = await run(['logout'], { env: { ...env, APIKEY_KEYCHAIN: 'off' }, platform: 'linux' });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('still in the OS keychain (secret-tool)');
    expect(off.stderr).toContain('APIKEY_KEYCHAIN=auto apikey logout');
    expect(off.stderr).not.toContain(TOKEN);
    expect(existsSync(join(dir, 'credentials.json'))).toBe(false);

    // As told: a logout that can reach the keychain removes the entry, though the file is gone.
    const on = await run(['logout'], { env, platform: 'linux' });
    expect(on).toMatchObject({ code: 0, stdout: 'Logged out.\n' });
    expect(keychain.entries()).toEqual({});
  });
});
