import { ConfigError } from '../../../lambdas/settings/config-error';
import { environmentReader, loadSettings } from '../../../lambdas/settings/load';
import { settingNames, specOf } from '../../../lambdas/settings/schema';
import { loadStackConfig } from '../../../lib/stack-config';
import { localSettingsFromEnv } from '../../../local/settings';

const AUTH0 = { auth0Domain: 'example.eu.auth0.com', auth0Audience: 'https://api.example.com' } as Record<string, string>;

describe('the settings schema', () => {
  it.each(settingNames)('%s: its defaults meet its own rule and survive the trip through its environment variable', (name) => {
    const spec = specOf(name);
    for (const fallback of [spec.default, spec.localDefault]) {
      if (fallback === undefined) continue;
      const value: unknown =
        typeof fallback === 'function'
          ? (fallback as (s: object) => unknown)({ maxKeyLifetimeDays: 365, routeScopes: new Map() })
          : fallback;
      expect(spec.kind.check(value, { maxKeyLifetimeDays: 365, routeScopes: new Map() })).toEqual({ ok: true, value });
      const text = spec.kind.toText(value);
      if (text !== undefined)
        expect(spec.kind.fromText(text, { maxKeyLifetimeDays: 365, routeScopes: new Map() })).toEqual({ ok: true, value });
    }
    expect(spec.meaning.length).toBeGreaterThan(5);
    expect(spec.usedBy.length).toBeGreaterThan(0);
  });

  it('names each environment variable once', () => {
    const names = settingNames.flatMap((name) => (specOf(name).env === undefined ? [] : [specOf(name).env]));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('one boolean rule everywhere: true, false, 1 or 0, in any case', () => {
  const booleans = settingNames.filter((name) => specOf(name).kind.rule === 'true or false');

  it('covers every boolean setting', () => {
    expect(booleans.sort()).toEqual([
      'allowMachineTokens',
      'auth0EventsWebhook',
      'dynamodbInMemory',
      'edge',
      'keyScopesFromToken',
      'sourceMaps',
    ]);
  });

  it.each(booleans)('%s', (name) => {
    const { kind } = specOf(name);
    for (const text of ['true', 'TRUE', 'True', '1']) expect(kind.fromText(text, {})).toEqual({ ok: true, value: true });
    for (const text of ['false', 'FALSE', '0']) expect(kind.fromText(text, {})).toEqual({ ok: true, value: false });
    for (const text of ['yes', 'on', '2', 'truee']) expect(kind.fromText(text, {}).ok).toBe(false);
  });

  it('lets ALLOW_MACHINE_TOKENS=1 through the stack as well as the functions (the copies used to disagree)', () => {
    const settings: Record<string, string> = { ...AUTH0, allowMachineTokens: '1' };
    expect(loadStackConfig((context) => settings[context]).allowMachineTokens).toBe(true);
    expect(
      loadSettings(
        'management',
        environmentReader({ AUTH0_DOMAIN: 'a.example.com', AUTH0_AUDIENCE: 'x', TABLE_NAME: 'keys', ALLOW_MACHINE_TOKENS: '1' }),
      ).allowMachineTokens,
    ).toBe(true);
    const env: Record<string, string> = { ALLOW_MACHINE_TOKENS: '1' };
    expect(
      loadStackConfig((_context, envName) => (envName === undefined ? undefined : (env[envName] ?? AUTH0[_context]))).allowMachineTokens,
    ).toBe(true);
  });

  it('reads DYNAMODB_IN_MEMORY by the same rule under npm start, and refuses what it does not know', () => {
    expect(localSettingsFromEnv({ DYNAMODB_IN_MEMORY: '1' }, '/tmp').dynamodb).toEqual({ port: 8000, keyDir: '/tmp/.data' });
    expect(localSettingsFromEnv({ DYNAMODB_IN_MEMORY: 'TRUE' }, '/tmp').dynamodb).toEqual({ port: 8000, keyDir: '/tmp/.data' });
    expect(localSettingsFromEnv({ DYNAMODB_IN_MEMORY: '0' }, '/tmp').dynamodb).toEqual({ port: 8000, dataDir: '/tmp/.data' });
    expect(() => localSettingsFromEnv({ DYNAMODB_IN_MEMORY: 'yes' }, '/tmp')).toThrow(
      new ConfigError('DYNAMODB_IN_MEMORY', { rule: 'true or false', got: 'yes' }),
    );
  });
});

describe("npm start's settings", () => {
  it('start the development identity provider without AUTH0_DOMAIN, and need AUTH0_AUDIENCE with it', () => {
    expect(localSettingsFromEnv({}, '/tmp').identity).toEqual({
      devPort: 3001,
      audience: 'https://user-api-keys.local',
      allowMachineTokens: false,
      // npm start's own default, so the admin routes can be tried locally.
      adminScope: 'keys:admin',
      // Beside the data: its tokens still verify after a restart.
      keyFile: '/tmp/.data/dev-idp-signing-key.json',
    });
    expect(
      localSettingsFromEnv({ AUTH0_AUDIENCE: 'https://mine', REQUIRED_SCOPE: 'keys:manage', ALLOW_MACHINE_TOKENS: '1' }, '/tmp').identity,
    ).toEqual({
      devPort: 3001,
      audience: 'https://mine',
      requiredScope: 'keys:manage',
      allowMachineTokens: true,
      adminScope: 'keys:admin',
      keyFile: '/tmp/.data/dev-idp-signing-key.json',
    });
    expect(() => localSettingsFromEnv({ AUTH0_DOMAIN: 'tenant.eu.auth0.com' }, '/tmp')).toThrow(/^AUTH0_AUDIENCE must be set$/);
    expect(localSettingsFromEnv({ AUTH0_DOMAIN: 'tenant.eu.auth0.com', AUTH0_AUDIENCE: 'https://api' }, '/tmp').identity).toEqual({
      auth: { issuer: 'https://tenant.eu.auth0.com/', audience: 'https://api', allowMachineTokens: false, adminScope: 'keys:admin' },
    });
  });

  it('name a bad port, endpoint or data folder', () => {
    expect(() => localSettingsFromEnv({ PORT: '70000' }, '/tmp')).toThrow(/^PORT must be a whole number from 0 to 65535, got "70000"$/);
    expect(() => localSettingsFromEnv({ DYNAMODB_ENDPOINT: 'ftp://x' }, '/tmp')).toThrow(
      /^DYNAMODB_ENDPOINT must be an http\(s\) URL, got "ftp:\/\/x"$/,
    );
    expect(localSettingsFromEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8123' }, '/tmp').dynamodb).toEqual({
      endpoint: 'http://127.0.0.1:8123',
    });
    expect(localSettingsFromEnv({ DATA_DIR: 'elsewhere' }, '/tmp').dynamodb).toEqual({ port: 8000, dataDir: '/tmp/elsewhere' });
  });
});

describe('CORS_ALLOW_ORIGINS', () => {
  const origins = (value: string) => loadSettings('local', environmentReader({ CORS_ALLOW_ORIGINS: value })).corsAllowOrigins;

  it('takes origins as a browser sends them', () => {
    expect(origins('https://app.example.com, http://127.0.0.1:8080')).toEqual(['https://app.example.com', 'http://127.0.0.1:8080']);
  });

  it.each([
    'https://*.example.com',
    'https://app.example.com:443',
    'http://a:99999',
    'https://app.example.com/',
    'ftp://x.example',
    'app.example.com',
  ])('refuses %s, naming the setting: it could never match a browser origin', (value) => {
    expect(() => origins(value)).toThrow(ConfigError);
    expect(() => origins(value)).toThrow(/CORS_ALLOW_ORIGINS/);
  });
});
