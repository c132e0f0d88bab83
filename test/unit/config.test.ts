import { DEFAULT_KEY_POLICY } from '../../lambdas/domain/key-policy';
import { authConfigFrom, ConfigError, DEFAULT_KEY_PREFIX, keyConfigFrom } from '../../lambdas/runtime/config';
import { environmentReader, loadSettings } from '../../lambdas/settings/load';

type Env = Readonly<Record<string, string | undefined>>;

/** The key settings as the authorizer (or `npm start`) reads them from its environment at start-up. */
/** What the stack always gives the authorizer besides the key settings: where its signing keys are, and what it signs for. */
const SIGNING_ENV = {
  ASSERTION_ISSUER: 'https://abc.execute-api.eu-west-1.amazonaws.com',
  ASSERTION_AUDIENCE: 'https://internal.example.com',
  ASSERTION_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-AbCdEf',
};
const loadKeyConfig = (env: Env, component: 'authorizer' | 'local' = 'authorizer') =>
  keyConfigFrom(loadSettings(component, environmentReader(component === 'authorizer' ? { ...SIGNING_ENV, ...env } : env)));
/** The Auth0 settings as a management function reads them (its table is set, as the stack always sets it). */
const loadAuthConfig = (env: Env) => authConfigFrom(loadSettings('management', environmentReader({ TABLE_NAME: 'keys', ...env })));

/** The ConfigError that `load` fails with; fails the test if it succeeds or fails otherwise. */
function configError(load: () => unknown): ConfigError {
  let loaded: unknown;
  try {
    loaded = load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError, but loaded ${JSON.stringify(loaded)}`);
}

describe('loadKeyConfig', () => {
  const withTable = (env: Record<string, string>) => ({ TABLE_NAME: 'api-keys', ...env });

  describe('defaults', () => {
    it('uses the "uak" prefix and the default policy when nothing but the table is set', () => {
      expect(loadKeyConfig({ TABLE_NAME: 'default-table' })).toEqual({
        tableName: 'default-table',
        keyPrefix: 'uak',
        policy: {
          maxKeysPerUser: 20,
          defaultLifetimeDays: 90,
          maxLifetimeDays: 365,
          allowedScopes: [],
          auditRetentionDays: 365,
          keyScopesFromToken: false,
          revokedRetentionDays: 30,
          ownerBudget: { perMinute: 10, burst: 20 },
        },
        routeScopes: new Map(),
        unscopedRoutes: 'allow',
      });
      expect(DEFAULT_KEY_PREFIX).toBe('uak');
      expect(DEFAULT_KEY_POLICY).toEqual({
        maxKeysPerUser: 20,
        defaultLifetimeDays: 90,
        maxLifetimeDays: 365,
        allowedScopes: [],
        auditRetentionDays: 365,
        keyScopesFromToken: false,
        revokedRetentionDays: 30,
        ownerBudget: { perMinute: 10, burst: 20 },
      });
    });

    it("prefers TABLE_NAME over npm start's default table", () => {
      expect(loadKeyConfig({}, 'local').tableName).toBe('ApiKeys');
      expect(loadKeyConfig({ TABLE_NAME: 'from-env' }, 'local').tableName).toBe('from-env');
    });

    it('treats empty and blank variables as unset', () => {
      const config = loadKeyConfig(
        {
          TABLE_NAME: '  ',
          KEY_PREFIX: '',
          MAX_KEYS_PER_USER: ' ',
          DEFAULT_KEY_LIFETIME_DAYS: '',
          MAX_KEY_LIFETIME_DAYS: '',
          ROUTE_SCOPES: '',
        },
        'local',
      );
      expect(config).toEqual({
        tableName: 'ApiKeys',
        keyPrefix: 'uak',
        policy: DEFAULT_KEY_POLICY,
        routeScopes: new Map(),
        unscopedRoutes: 'allow',
      });
    });

    it('trims surrounding whitespace', () => {
      const config = loadKeyConfig({ TABLE_NAME: ' api-keys\n', KEY_PREFIX: ' acme ', MAX_KEYS_PER_USER: ' 5 ' });
      expect(config.tableName).toBe('api-keys');
      expect(config.keyPrefix).toBe('acme');
      expect(config.policy.maxKeysPerUser).toBe(5);
    });

    it('lowers the default lifetime to a smaller maximum', () => {
      expect(loadKeyConfig(withTable({ MAX_KEY_LIFETIME_DAYS: '30' })).policy).toMatchObject({
        maxKeysPerUser: 20,
        defaultLifetimeDays: 30,
        maxLifetimeDays: 30,
      });
    });
  });

  describe('values that are set', () => {
    it('reads all settings', () => {
      const config = loadKeyConfig({
        TABLE_NAME: 'prod.api_keys-v2',
        KEY_PREFIX: 'acme2',
        MAX_KEYS_PER_USER: '50',
        DEFAULT_KEY_LIFETIME_DAYS: '30',
        MAX_KEY_LIFETIME_DAYS: '180',
        ROUTE_SCOPES: '{"GET /orders/{id}":"orders:read","ANY /{proxy+}":"api"}',
        ALLOWED_KEY_SCOPES: ' orders:write, api ,',
        AUDIT_RETENTION_DAYS: '30',
      });
      expect(config).toEqual({
        tableName: 'prod.api_keys-v2',
        keyPrefix: 'acme2',
        policy: {
          maxKeysPerUser: 50,
          defaultLifetimeDays: 30,
          maxLifetimeDays: 180,
          // the routes' scopes are always allowed on keys; the operator's extras besides
          allowedScopes: ['api', 'orders:read', 'orders:write'],
          auditRetentionDays: 30,
          // The owner rules are the management functions' (loadKeyConfig reads the authorizer's settings): defaults here.
          keyScopesFromToken: false,
          revokedRetentionDays: 30,
          ownerBudget: { perMinute: 10, burst: 20 },
        },
        routeScopes: new Map([
          ['GET /orders/{id}', 'orders:read'],
          ['ANY /{proxy+}', 'api'],
        ]),
        // Once a route has a scope, one without fails closed.
        unscopedRoutes: 'deny',
      });
    });

    it("takes a default route-scope map (npm start's) unless ROUTE_SCOPES is set, even to nothing", () => {
      expect(loadKeyConfig(withTable({}), 'local').routeScopes).toEqual(new Map([['GET /whoami', 'read']]));
      expect(loadKeyConfig(withTable({ ROUTE_SCOPES: '' }), 'local').routeScopes).toEqual(new Map());
    });

    it.each([
      ['ROUTE_SCOPES', 'not json', 'ROUTE_SCOPES: must be a JSON object'],
      ['ROUTE_SCOPES', '["read"]', 'ROUTE_SCOPES: must be a JSON object'],
      ['ROUTE_SCOPES', '{"/whoami":"read"}', 'ROUTE_SCOPES: "/whoami" is not a route key'],
      ['ROUTE_SCOPES', '{"GET /whoami":""}', 'ROUTE_SCOPES: the scope for "GET /whoami" must be a scope'],
      ['ROUTE_SCOPES', '{"GET /whoami":["read"]}', 'ROUTE_SCOPES: the scope for "GET /whoami" must be a scope'],
      ['ALLOWED_KEY_SCOPES', 'read,has space', 'ALLOWED_KEY_SCOPES: "has space" is not a scope'],
      ['AUDIT_RETENTION_DAYS', '0', 'AUDIT_RETENTION_DAYS must be a whole number from 1 to 3650'],
    ])('refuses %s=%j at start-up, naming the setting', (name, value, message) => {
      expect(() => loadKeyConfig(withTable({ [name]: value }))).toThrow(
        expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining(message) }),
      );
    });

    it('accepts the bounds of each number', () => {
      expect(loadKeyConfig(withTable({ MAX_KEYS_PER_USER: '1' })).policy.maxKeysPerUser).toBe(1);
      expect(loadKeyConfig(withTable({ MAX_KEYS_PER_USER: '1000' })).policy.maxKeysPerUser).toBe(1000);
      expect(loadKeyConfig(withTable({ MAX_KEY_LIFETIME_DAYS: '3650' })).policy.maxLifetimeDays).toBe(3650);
      expect(loadKeyConfig(withTable({ DEFAULT_KEY_LIFETIME_DAYS: '365' })).policy.defaultLifetimeDays).toBe(365);
      expect(loadKeyConfig(withTable({ DEFAULT_KEY_LIFETIME_DAYS: '1', MAX_KEY_LIFETIME_DAYS: '1' })).policy).toMatchObject({
        defaultLifetimeDays: 1,
        maxLifetimeDays: 1,
      });
    });

    it('accepts a default lifetime equal to the maximum', () => {
      expect(loadKeyConfig(withTable({ DEFAULT_KEY_LIFETIME_DAYS: '30', MAX_KEY_LIFETIME_DAYS: '30' })).policy).toMatchObject({
        defaultLifetimeDays: 30,
        maxLifetimeDays: 30,
      });
    });
  });

  describe('errors name the variable', () => {
    it('TABLE_NAME missing with no default', () => {
      expect(configError(() => loadKeyConfig({})).message).toBe('TABLE_NAME must be set');
      expect(configError(() => loadKeyConfig({ TABLE_NAME: '   ' })).message).toBe('TABLE_NAME must be set');
    });

    it.each(['ab', 'bad name', 'tbl/../x', 'x'.repeat(256), 'tâble'])('TABLE_NAME %j', (tableName) => {
      expect(configError(() => loadKeyConfig({ TABLE_NAME: tableName })).message).toMatch(/^TABLE_NAME must be/);
    });

    it.each(['A', 'UPPER', 'a', 'has_underscore', 'waytoolongprefix', 'u-k'])('KEY_PREFIX %j', (prefix) => {
      const { message } = configError(() => loadKeyConfig(withTable({ KEY_PREFIX: prefix })));
      expect(message).toBe(`KEY_PREFIX must be 2-10 lowercase letters or digits, got "${prefix}"`);
    });

    it.each(['abc', '0', '-1', '1.5', '1e3', '0x10', '1001', '+5', '5 keys', 'Infinity', '\u0663'])('MAX_KEYS_PER_USER %j', (value) => {
      const { message } = configError(() => loadKeyConfig(withTable({ MAX_KEYS_PER_USER: value })));
      expect(message).toBe(`MAX_KEYS_PER_USER must be a whole number from 1 to 1000, got "${value}"`);
    });

    it.each(['0', '3651', 'forever', '-30'])('MAX_KEY_LIFETIME_DAYS %j', (value) => {
      const { message } = configError(() => loadKeyConfig(withTable({ MAX_KEY_LIFETIME_DAYS: value })));
      expect(message).toBe(`MAX_KEY_LIFETIME_DAYS must be a whole number from 1 to 3650, got "${value}"`);
    });

    it('DEFAULT_KEY_LIFETIME_DAYS greater than MAX_KEY_LIFETIME_DAYS', () => {
      const { message } = configError(() => loadKeyConfig(withTable({ DEFAULT_KEY_LIFETIME_DAYS: '31', MAX_KEY_LIFETIME_DAYS: '30' })));
      expect(message).toBe('DEFAULT_KEY_LIFETIME_DAYS must be a whole number from 1 to 30, got "31"');
    });

    it('DEFAULT_KEY_LIFETIME_DAYS greater than the default maximum of 365', () => {
      const { message } = configError(() => loadKeyConfig(withTable({ DEFAULT_KEY_LIFETIME_DAYS: '366' })));
      expect(message).toBe('DEFAULT_KEY_LIFETIME_DAYS must be a whole number from 1 to 365, got "366"');
    });

    it.each(['0', 'abc', '1.5'])('DEFAULT_KEY_LIFETIME_DAYS %j', (value) => {
      const { message } = configError(() => loadKeyConfig(withTable({ DEFAULT_KEY_LIFETIME_DAYS: value })));
      expect(message).toMatch(/^DEFAULT_KEY_LIFETIME_DAYS must be/);
    });
  });
});

describe('loadAuthConfig', () => {
  const AUDIENCE = 'https://api.example.com';

  it.each([
    'tenant.eu.auth0.com',
    'https://tenant.eu.auth0.com/',
    'https://tenant.eu.auth0.com',
    'tenant.eu.auth0.com/',
    '  tenant.eu.auth0.com  ',
  ])('turns AUTH0_DOMAIN %j into the issuer https://tenant.eu.auth0.com/', (domain) => {
    expect(loadAuthConfig({ AUTH0_DOMAIN: domain, AUTH0_AUDIENCE: AUDIENCE })).toEqual({
      issuer: 'https://tenant.eu.auth0.com/',
      audience: AUDIENCE,
      allowMachineTokens: false,
    });
  });

  it('accepts a custom domain with a port', () => {
    expect(loadAuthConfig({ AUTH0_DOMAIN: 'login.example.com:8443', AUTH0_AUDIENCE: AUDIENCE }).issuer).toBe(
      'https://login.example.com:8443/',
    );
  });

  it('refuses a missing AUTH0_DOMAIN, naming it', () => {
    expect(configError(() => loadAuthConfig({ AUTH0_AUDIENCE: AUDIENCE })).message).toBe('AUTH0_DOMAIN must be set');
  });

  it.each([undefined, '', '   '])('refuses AUTH0_AUDIENCE %j, naming it', (audience) => {
    const env = { AUTH0_DOMAIN: 'tenant.eu.auth0.com', AUTH0_AUDIENCE: audience };
    expect(configError(() => loadAuthConfig(env)).message).toBe('AUTH0_AUDIENCE must be set');
  });

  it.each([
    'http://evil/x y',
    'http://tenant.eu.auth0.com',
    'tenant.eu.auth0.com/oauth/token',
    'user@evil.example',
    'evil.example?tenant.eu.auth0.com',
    'evil.example#tenant.eu.auth0.com',
    'tenant.eu.auth0.com:port',
    'https://tenant.eu.auth0.com//',
    '.',
    '-',
    'a..b',
    'localhost',
    '-tenant.auth0.com',
  ])('refuses the junk AUTH0_DOMAIN %j, naming the variable', (domain) => {
    const { message } = configError(() => loadAuthConfig({ AUTH0_DOMAIN: domain, AUTH0_AUDIENCE: AUDIENCE }));
    expect(message).toBe(`AUTH0_DOMAIN must be a host name such as example.eu.auth0.com, got "${domain}"`);
  });

  describe('ALLOW_MACHINE_TOKENS', () => {
    const base = { AUTH0_DOMAIN: 'tenant.eu.auth0.com', AUTH0_AUDIENCE: AUDIENCE };

    it.each([
      ['true', true],
      ['1', true],
      ['FALSE', false],
      ['0', false],
      ['', false],
    ])('reads %j as %j', (value, expected) => {
      expect(loadAuthConfig({ ...base, ALLOW_MACHINE_TOKENS: value }).allowMachineTokens).toBe(expected);
    });

    it('refuses anything else, naming it', () => {
      expect(configError(() => loadAuthConfig({ ...base, ALLOW_MACHINE_TOKENS: 'yes please' })).message).toBe(
        'ALLOW_MACHINE_TOKENS must be true or false, got "yes please"',
      );
    });
  });

  describe('REQUIRED_SCOPE', () => {
    const base = { AUTH0_DOMAIN: 'tenant.eu.auth0.com', AUTH0_AUDIENCE: AUDIENCE };

    it('is optional', () => {
      expect(loadAuthConfig(base)).not.toHaveProperty('requiredScope');
    });

    it('is left out when blank', () => {
      expect(loadAuthConfig({ ...base, REQUIRED_SCOPE: '  ' })).not.toHaveProperty('requiredScope');
    });

    it('is read and trimmed when set', () => {
      expect(loadAuthConfig({ ...base, REQUIRED_SCOPE: ' manage:keys ' }).requiredScope).toBe('manage:keys');
    });
  });
});
