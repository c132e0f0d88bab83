import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { KeyVerifier } from '../../../lambdas/domain/key-verifier';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import type { RouteScopes } from '../../../lambdas/domain/route-scopes';
import { createAuthorizerHandler } from '../../../lambdas/handlers/authorizer';
import { lambdaAuthorizer } from '../../../lambdas/runtime/authorizer-wiring';
import { localSettingsFromEnv } from '../../../local/settings';
import authorizerEventFixture from '../../fixtures/authorizer-event.json';
import { InMemoryKeyStore } from '../../support/in-memory-key-store';

// The deployed wiring starts loading its signing keys at once: here from a client that reaches nothing (no AWS call
// from a test, and no SDK credential lookup left running once the test's environment is restored and torn down).
jest.mock('../../../lambdas/signing/aws-clients', () => ({
  ...jest.requireActual('../../../lambdas/signing/aws-clients'),
  createSecretsManagerClient: () => ({ send: () => Promise.reject(new Error('no AWS in tests')) }),
}));

const NOW = new Date('2026-06-01T12:00:00.000Z');
const format = new KeyFormat('uak');
const silent = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };

/** A valid key with `scopes`, and the authorizer's answer for it on `routeKey`. */
async function decide(options: {
  routeScopes: RouteScopes;
  unscopedRoutes?: 'allow' | 'deny';
  scopes: string[];
  routeKey: string;
}): Promise<boolean> {
  const key = format.generate();
  const store = new InMemoryKeyStore().seed({
    keyId: key.keyId,
    ownerId: 'auth0|alice',
    secretHash: hashSecret(key.secret),
    name: 'ci',
    scopes: options.scopes,
    createdAt: NOW.toISOString(),
    expiresAt: NOW.getTime() / 1000 + 3600,
  });
  const handler = createAuthorizerHandler({
    verifier: new KeyVerifier({ store, format, clock: () => NOW }),
    logger: silent,
    clock: () => NOW,
    routeScopes: options.routeScopes,
    unscopedRoutes: options.unscopedRoutes,
  });
  const event = structuredClone(authorizerEventFixture) as unknown as APIGatewayRequestAuthorizerEventV2;
  event.headers = { ...event.headers, authorization: `Bearer ${key.key}` };
  event.routeKey = options.routeKey;
  return (await handler(event)).isAuthorized;
}

describe('UNSCOPED_ROUTES: what an API-key route without a required scope does', () => {
  const scoped: RouteScopes = new Map([['GET /orders/{id}', 'orders:read']]);

  it('denies every key there by default once any route has a scope (a forgotten route fails closed)', async () => {
    expect(await decide({ routeScopes: scoped, scopes: ['orders:read'], routeKey: 'GET /orders/{id}' })).toBe(true);
    expect(await decide({ routeScopes: scoped, scopes: ['orders:read'], routeKey: 'GET /invoices' })).toBe(false);
    expect(await decide({ routeScopes: scoped, scopes: [], routeKey: 'GET /invoices' })).toBe(false);
  });

  it('allows any valid key there while no route has a scope (today’s behaviour), or when the operator says allow', async () => {
    expect(await decide({ routeScopes: new Map(), scopes: [], routeKey: 'GET /invoices' })).toBe(true);
    expect(await decide({ routeScopes: scoped, unscopedRoutes: 'allow', scopes: [], routeKey: 'GET /invoices' })).toBe(true);
    expect(await decide({ routeScopes: new Map(), unscopedRoutes: 'deny', scopes: ['orders:read'], routeKey: 'GET /whoami' })).toBe(false);
  });
});

describe('route keys in ROUTE_SCOPES are checked against the real routes, as synth checks them', () => {
  it('npm start refuses a route it does not guard with keys, naming the setting', () => {
    expect(() => localSettingsFromEnv({ ROUTE_SCOPES: '{"GET /whoami/":"read"}' }, '/tmp')).toThrow(
      /^ROUTE_SCOPES: "GET \/whoami\/" names no route behind the API-key authorizer \(those are GET \/whoami\): a scope there would never be checked$/,
    );
    expect(() => localSettingsFromEnv({ ROUTE_SCOPES: '{"POST /keys":"admin"}' }, '/tmp')).toThrow(
      /^ROUTE_SCOPES: "POST \/keys" is a key-management route/,
    );
    expect(localSettingsFromEnv({ ROUTE_SCOPES: '{"GET /whoami":"read"}' }, '/tmp').keys.unscopedRoutes).toBe('deny');
    expect(localSettingsFromEnv({ ROUTE_SCOPES: '', UNSCOPED_ROUTES: 'deny' }, '/tmp').keys.unscopedRoutes).toBe('deny');
  });

  it('the deployed authorizer refuses to start with a ROUTE_SCOPES that names a route the stack says it does not guard', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        TABLE_NAME: 'keys',
        AWS_REGION: 'eu-west-1',
        ROUTE_SCOPES: '{"GET /orders":"read"}',
        API_KEY_ROUTES: 'GET /orders/{id},GET /whoami',
        ASSERTION_ISSUER: 'https://abc.execute-api.eu-west-1.amazonaws.com',
        ASSERTION_AUDIENCE: 'https://internal.example.com',
        ASSERTION_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-AbCdEf',
      });
      expect(() => lambdaAuthorizer()).toThrow(
        /^ROUTE_SCOPES: "GET \/orders" names no route behind the API-key authorizer \(those are GET \/orders\/\{id\}, GET \/whoami\)/,
      );
      process.env.ROUTE_SCOPES = '{"GET /orders/{id}":"read"}';
      expect(() => lambdaAuthorizer()).not.toThrow();
    } finally {
      for (const name of [
        'TABLE_NAME',
        'AWS_REGION',
        'ROUTE_SCOPES',
        'API_KEY_ROUTES',
        'ASSERTION_ISSUER',
        'ASSERTION_AUDIENCE',
        'ASSERTION_SECRET_ARN',
      ]) {
        if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = saved[name];
      }
    }
  });
});
