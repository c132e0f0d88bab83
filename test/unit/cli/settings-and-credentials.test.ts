import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLogin, peekToken, removeLogin, saveLogin } from '../../../cli/credentials';
import { LOCAL_DEFAULTS, resolveSettings } from '../../../cli/settings';
import { fakeToken, freshConfigDir } from './cli-support';

describe('settings', () => {
  it('defaults to the local system started by npm start', () => {
    const dir = freshConfigDir();
    expect(resolveSettings({}, { APIKEY_CONFIG_DIR: dir })).toEqual({ ...LOCAL_DEFAULTS, configDir: dir });
  });

  it('takes flags over the environment over the config file', () => {
    const dir = freshConfigDir();
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ endpoint: 'https://file.example', audience: 'aud-file', clientId: 'file-client' }),
    );
    const env = { APIKEY_CONFIG_DIR: dir, APIKEY_ENDPOINT: 'https://env.example/', APIKEY_AUTH_DOMAIN: 'tenant.eu.auth0.com' };
    const settings = resolveSettings({ clientId: 'flag-client' }, env);
    expect(settings).toMatchObject({
      endpoint: 'https://env.example',
      authUrl: 'https://tenant.eu.auth0.com',
      clientId: 'flag-client',
      audience: 'aud-file',
    });
    expect(resolveSettings({ endpoint: 'https://flag.example' }, env).endpoint).toBe('https://flag.example');
  });

  it('reads APIKEY_TOKEN for automation', () => {
    expect(resolveSettings({}, { APIKEY_CONFIG_DIR: freshConfigDir(), APIKEY_TOKEN: ' abc ' }).token).toBe('abc');
  });

  it.each([
    [{ authDomain: 'http://evil.example.com' }, /must use https/],
    [{ authDomain: 'not a host' }, /Not a valid identity provider/],
    [{ endpoint: 'ftp://x' }, /http\(s\) URL/],
    [{ endpoint: 'nonsense' }, /Not a valid endpoint/],
  ])('refuses %j as a usage error', (flags, message) => {
    expect(() => resolveSettings(flags, { APIKEY_CONFIG_DIR: freshConfigDir() })).toThrow(message);
  });

  it('refuses a config file that is not a JSON object, naming it', () => {
    const dir = freshConfigDir();
    writeFileSync(join(dir, 'config.json'), '[1,2]');
    expect(() => resolveSettings({}, { APIKEY_CONFIG_DIR: dir })).toThrow(/config\.json is not a JSON object/);
  });
});

describe('stored login', () => {
  const login = {
    accessToken: fakeToken({ sub: 'alice' }),
    expiresAt: 1,
    endpoint: 'https://api.example',
    authUrl: 'https://a',
    audience: 'b',
    sub: 'alice',
  };

  it('is written readable by its owner only, and read back', () => {
    const dir = freshConfigDir();
    saveLogin(dir, login);
    expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(loadLogin(dir)).toEqual({ ...login, storage: { kind: 'file', path: join(dir, 'credentials.json') } });
  });

  it('tightens the mode of a file that was left readable', () => {
    const dir = freshConfigDir();
    writeFileSync(join(dir, 'credentials.json'), '{}', { mode: 0o644 });
    saveLogin(dir, login);
    expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('is gone after logout; a second logout says there was nothing', () => {
    const dir = freshConfigDir();
    saveLogin(dir, login);
    expect(removeLogin(dir)).toBe(true);
    expect(loadLogin(dir)).toBeUndefined();
    expect(removeLogin(dir)).toBe(false);
  });

  it('reports a damaged file as an auth error, without echoing its content', () => {
    const dir = freshConfigDir();
    writeFileSync(join(dir, 'credentials.json'), '{"accessToken":"sekrit"', { mode: 0o600 });
    expect(() => loadLogin(dir)).toThrow(/damaged/);
    expect(() => loadLogin(dir)).not.toThrow(/sekrit/);
  });

  it('peeks at sub and exp without verifying, and survives junk', () => {
    expect(peekToken(fakeToken({ sub: 'bob', exp: 42 }))).toEqual({ sub: 'bob', exp: 42 });
    expect(peekToken('junk')).toEqual({});
    expect(peekToken('a.!!!.c')).toEqual({});
  });
});
