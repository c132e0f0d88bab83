import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ConsoleAsset, ConsoleAssets } from '../../../lambdas/console/console-assets';
import type { ConsoleSettings } from '../../../lambdas/console/console-config';
import { createConsoleHandler } from '../../../lambdas/handlers/console';
import { consoleSettingsFrom } from '../../../lambdas/runtime/console-wiring';
import { environmentReader, loadSettings } from '../../../lambdas/settings/load';
import proxyEventFixture from '../../fixtures/proxy-event.json';

const asset = (path: string, contentType: string, body: string | Buffer, immutable: boolean): ConsoleAsset => ({
  path,
  contentType,
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  immutable,
});

const ASSETS: ConsoleAssets = {
  files: new Map(
    [
      asset('assets/app-ABCD1234.js', 'text/javascript; charset=utf-8', 'console.log("app")', true),
      asset('user-api-keys.js', 'text/javascript; charset=utf-8', 'export class UserApiKeys {}', false),
      asset('assets/font-ABCD1234.woff2', 'font/woff2', Buffer.from([0, 1, 2, 255]), true),
    ].map((file) => [file.path, file]),
  ),
  indexHtml: '<!doctype html><title>API keys</title>',
  workerPath: '/console/assets/auth0-worker-ABCD1234.js',
};

const SETTINGS: ConsoleSettings = {
  login: { domain: 'https://example.eu.auth0.com', clientId: 'spa-client', audience: 'https://api.example.com' },
  policy: { allowedScopes: ['read', 'write'], maxLifetimeDays: 365, defaultLifetimeDays: 90 },
};

function get(path: string): APIGatewayProxyEventV2 {
  const { body: _none, ...base } = structuredClone(proxyEventFixture) as unknown as APIGatewayProxyEventV2;
  return { ...base, rawPath: path, routeKey: 'GET /console/{proxy+}' };
}

const handler = (settings: ConsoleSettings = SETTINGS) => createConsoleHandler({ assets: () => Promise.resolve(ASSETS), settings });

describe('the console function', () => {
  it('serves the page at /console, revalidated, with the strict policy naming the identity provider', async () => {
    const response = await handler()(get('/console'));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(ASSETS.indexHtml);
    const headers = response.headers ?? {};
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache');
    const csp = String(headers['content-security-policy']);
    const directives = new Map(csp.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'", 'https://example.eu.auth0.com']);
    expect(directives.get('frame-src')).toEqual(['https://example.eu.auth0.com']);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|blob:|data:/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves config.json: the login, the key rules and the worker, and nothing secret', async () => {
    const response = await handler()(get('/console/config.json'));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['cache-control']).toBe('no-cache');
    expect(JSON.parse(response.body ?? '')).toEqual({
      auth0: { domain: 'https://example.eu.auth0.com', clientId: 'spa-client', audience: 'https://api.example.com' },
      keys: {
        allowedScopes: ['read', 'write'],
        maxLifetimeDays: 365,
        defaultLifetimeDays: 90,
        maxGraceSeconds: 604800,
        defaultGraceSeconds: 3600,
      },
      workerPath: '/console/assets/auth0-worker-ABCD1234.js',
      apiUrl: '',
    });
  });

  it('says the login is not configured (auth0: null) without a client id, and lets no identity provider in the policy', async () => {
    const response = await handler({ ...SETTINGS, login: undefined })(get('/console/config.json'));
    expect(JSON.parse(response.body ?? '').auth0).toBeNull();
    const csp = String(response.headers?.['content-security-policy']);
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("frame-src 'none'");
  });

  it('caches hashed files for a year, the component for 5 minutes, and sends binary files base64-encoded', async () => {
    const app = await handler()(get('/console/assets/app-ABCD1234.js'));
    expect(app).toMatchObject({ statusCode: 200, body: 'console.log("app")', isBase64Encoded: false });
    expect(app.headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
    const component = await handler()(get('/console/user-api-keys.js'));
    expect(component.headers?.['cache-control']).toBe('public, max-age=300');
    expect(component.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    const font = await handler()(get('/console/assets/font-ABCD1234.woff2'));
    expect(font.isBase64Encoded).toBe(true);
    expect(Buffer.from(font.body ?? '', 'base64')).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it.each(['/console/assets/app-OLD.js', '/console/../console', '/console/', '/consoleX', '/console/assets/'])(
    'answers %s with 404 CONSOLE_FILE_NOT_FOUND in JSON, security headers included',
    async (path) => {
      const response = await handler()(get(path));
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body ?? '')).toEqual({ code: 'CONSOLE_FILE_NOT_FOUND', message: expect.any(String) });
      expect(response.headers?.['x-content-type-options']).toBe('nosniff');
    },
  );

  it('reads its login from the settings: the Auth0 domain as an https origin, the audience and CONSOLE_CLIENT_ID', () => {
    const env = {
      AUTH0_DOMAIN: 'example.eu.auth0.com',
      AUTH0_AUDIENCE: 'https://api.example.com',
      CONSOLE_CLIENT_ID: 'AbC123',
      ROUTE_SCOPES: '{"GET /orders":"orders:read"}',
      ALLOWED_KEY_SCOPES: 'extra',
      MAX_KEY_LIFETIME_DAYS: '30',
    };
    const settings = consoleSettingsFrom(loadSettings('console', environmentReader(env)));
    expect(settings.login).toEqual({ domain: 'https://example.eu.auth0.com', clientId: 'AbC123', audience: 'https://api.example.com' });
    expect(settings.policy).toEqual({ allowedScopes: ['extra', 'orders:read'], maxLifetimeDays: 30, defaultLifetimeDays: 30 });
    const { CONSOLE_CLIENT_ID: _unset, ...withoutClient } = env;
    expect(consoleSettingsFrom(loadSettings('console', environmentReader(withoutClient))).login).toBeUndefined();
  });
});
