import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { startDevIdentityProvider, type DevIdentityProvider } from '../../local/dev-identity-provider';
import { closeServer, listenOnLoopback } from '../../local/http-util';
import { launchBrowser } from '../support/browser';

/**
 * The development IdP against the real auth0-spa-js in a real browser, as the
 * console will use it: loginWithRedirect through the login page,
 * handleRedirectCallback (CORS, the token exchange, the ID token checks),
 * getTokenSilently by refresh token, then after a reload (nothing in memory)
 * by the hidden iframe's prompt=none web message, and logout.
 */

const AUDIENCE = 'http://127.0.0.1:3000';
const CLIENT_ID = 'local-console';
const SPA_JS = readFileSync(require.resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'), 'utf8');

/** A stand-in for the gateway's /console: auth0-spa-js configured as the console will be. */
function consolePage(idpUrl: string, redirectUri: string): string {
  const config = {
    domain: idpUrl,
    clientId: CLIENT_ID,
    authorizationParams: { audience: AUDIENCE, redirect_uri: redirectUri, scope: 'openid profile offline_access' },
    cacheLocation: 'memory',
    useRefreshTokens: true,
    useRefreshTokensFallback: true,
  };
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>console</title>' +
    '<script src="/auth0-spa-js.js"></script>' +
    `<script>window.client = new auth0.Auth0Client(${JSON.stringify(config)});</script></head><body>console</body></html>`
  );
}

describe('auth0-spa-js 2.28.3 against the development IdP', () => {
  let idp: DevIdentityProvider;
  let site: Server;
  let consoleUrl: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    idp = await startDevIdentityProvider({ port: 0, audience: AUDIENCE });
    site = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/console') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(consolePage(idp.url, consoleUrl));
      } else if (path === '/auth0-spa-js.js') {
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        response.end(SPA_JS);
      } else {
        response.writeHead(404);
        response.end();
      }
    });
    const origin = `http://127.0.0.1:${await listenOnLoopback(site, 0)}`;
    consoleUrl = `${origin}/console`;
    idp.registerClient({ clientId: CLIENT_ID, redirectUris: [consoleUrl], logoutUrls: [consoleUrl], webOrigins: [origin] });
    browser = await launchBrowser();
    page = await browser.newPage();
    // A CSP violation or a failed request would show here before it shows as a timeout.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
  });

  afterAll(async () => {
    await browser.close();
    await closeServer(site);
    await idp.stop();
  });

  it('logs in, refreshes, signs in silently after a reload, and logs out', async () => {
    await page.goto(consoleUrl);
    await Promise.all([page.waitForURL(`${idp.url}/authorize?**`), page.evaluate('window.client.loginWithRedirect()')]);
    await page.getByLabel('User id').fill('auth0|alice');
    await Promise.all([page.waitForURL(`${consoleUrl}?**`), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(new URL(page.url()).searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await page.evaluate('window.client.handleRedirectCallback()');
    const user = await page.evaluate<Record<string, unknown>>('window.client.getUser()');
    expect(user).toMatchObject({ sub: 'auth0|alice', name: 'auth0|alice', nickname: 'auth0|alice' });
    const first = await page.evaluate<string>('window.client.getTokenSilently()');
    // cacheMode off: a new access token by refresh token (rotated).
    const refreshed = await page.evaluate<string>("window.client.getTokenSilently({ cacheMode: 'off' })");
    expect(refreshed).not.toBe(first);

    // After a reload nothing is in memory: auth0-spa-js falls back to the iframe and the session cookie.
    await page.goto(consoleUrl);
    const silent = await page.evaluate<string>('window.client.getTokenSilently()');
    expect(silent).not.toBe(refreshed);
    const jwks = createLocalJWKSet((await (await fetch(idp.jwksUri)).json()) as JSONWebKeySet);
    const { payload } = await jwtVerify(silent, jwks, { issuer: idp.issuer, audience: AUDIENCE, algorithms: ['RS256'] });
    expect(payload.sub).toBe('auth0|alice');
    expect((await page.evaluate<Record<string, unknown>>('window.client.getUser()')).sub).toBe('auth0|alice');

    const [logout] = await Promise.all([
      page.waitForResponse((response) => response.url().startsWith(`${idp.url}/v2/logout?`)),
      // Back at the console: the page the logout's redirect leads to, loaded.
      page.waitForEvent('load'),
      page.evaluate(`window.client.logout({ logoutParams: { returnTo: ${JSON.stringify(consoleUrl)} } })`),
    ]);
    expect(logout.status()).toBe(302);
    expect(logout.headers().location).toBe(consoleUrl);
    expect(page.url()).toBe(consoleUrl);
    const afterLogout = await page.evaluate<string>('window.client.getTokenSilently().then(() => "signed in", (error) => error.error)');
    expect(afterLogout).toBe('login_required');
    expect(problems.filter((text) => /Content Security Policy|CORS|Refused/i.test(text))).toEqual([]);
  });
});
