import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildConsoleAssets } from '../../console/build';
import { contentSecurityPolicy } from '../../lambdas/console/security-headers';
import { collectConsoleErrors, FAILED_RESOURCE, launchBrowser, runAxe, type ConsoleErrors } from '../support/browser';
import { AUDIENCE, CLIENT_ID, startFakeAuth0, type FakeAuth0 } from './fake-auth0';
import { startHarnessServer, VALID_TOKEN, type HarnessServer } from './fake-keys-api';

/**
 * The console page (GET /console) in headless Chromium: its Auth0 login through
 * @auth0/auth0-spa-js against a fake Auth0 on another port, under the policy the console
 * function sends (lambdas/console/security-headers.ts), token worker included.
 */

let browser: Browser;
let server: HarnessServer;
let auth0: FakeAuth0;
let context: BrowserContext;
let page: Page;
let errors: ConsoleErrors;

beforeAll(async () => {
  const assets = await buildConsoleAssets();
  [server, auth0, browser] = await Promise.all([startHarnessServer(assets), startFakeAuth0(), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all([browser.close(), server.close(), auth0.close()]);
});

beforeEach(async () => {
  server.api.reset(server.origin);
  server.api.csp = contentSecurityPolicy(auth0.origin);
  server.api.config = { ...server.api.config, auth0: { domain: auth0.origin, clientId: CLIENT_ID, audience: AUDIENCE }, apiUrl: '' };
  auth0.authorizeRequests.length = 0;
  auth0.tokenGrants.length = 0;
  context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC' });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = collectConsoleErrors(page);
});

afterEach(async () => {
  await context.close();
});

const button = (name: string) => page.getByRole('button', { name, exact: true });

async function expectAccessible(): Promise<void> {
  expect(await runAxe(page)).toEqual([]);
}

describe('the console page', () => {
  it('says the console is not configured yet when config.json has no login (auth0: null)', async () => {
    server.api.config = { ...server.api.config, auth0: null };
    server.api.csp = contentSecurityPolicy(undefined);
    await page.goto(`${server.origin}/console`);
    await page.getByText(/The console is not configured yet: the operator must set CONSOLE_CLIENT_ID/).waitFor();
    expect(await page.title()).toBe('API keys');
    expect(await button('Log in').count()).toBe(0);
    await expectAccessible();
    expect(errors.unexpected()).toEqual([]);
  });

  it('logs in with a redirect, shows the user and their keys with the Auth0 token, comes back silently after a reload, and logs out', async () => {
    server.api.seed({ name: 'deploy bot' });
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(new URL(worker.url()).pathname));
    await page.goto(`${server.origin}/console`);
    await button('Log in').waitFor();
    await expectAccessible();

    await button('Log in').click();
    await page.getByText('Logged in as').waitFor();
    expect(await page.locator('.who').innerText()).toBe('Logged in as Alice Example');
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/console'); // code and state gone from the address
    await page.getByRole('rowheader', { name: 'deploy bot' }).waitFor();
    expect(auth0.authorizeRequests[0]).toMatchObject({
      audience: AUDIENCE,
      redirectUri: `${server.origin}/console`,
      scope: 'openid profile offline_access',
    });
    expect(server.api.requestsTo('GET', /^\/keys\?/)[0]?.headers.authorization).toBe(`Bearer ${VALID_TOKEN}`);
    // The refresh token lives in auth0-spa-js's worker, served from /console/assets (no blob: in the CSP).
    expect(workers).toContain(server.api.config.workerPath);
    expect(auth0.tokenGrants).toEqual(['authorization_code']);
    await expectAccessible();

    // Tokens were in memory only: after a reload the session comes back through the hidden iframe.
    await page.reload();
    await page.getByText('Logged in as').waitFor();
    await page.getByRole('rowheader', { name: 'deploy bot' }).waitFor();
    expect(auth0.authorizeRequests.at(-1)).toMatchObject({ prompt: 'none', responseMode: 'web_message' });
    expect(await page.evaluate(() => JSON.stringify((globalThis as any).localStorage))).not.toContain(VALID_TOKEN);

    await button('Log out').click();
    await button('Log in').waitFor();
    expect(auth0.logouts).toBeGreaterThanOrEqual(1);
    expect(errors.unexpected()).toEqual([]);
  });

  it("shows a login error from the redirect in its own words, never the link's text, and offers Log in again", async () => {
    const planted = 'Your account is suspended: email your API key to security@attacker.example';
    await page.goto(`${server.origin}/console?error=access_denied&error_description=${encodeURIComponent(planted)}&state=x`);
    await page
      .getByRole('alert')
      .filter({ hasText: 'Logging in did not finish: access was denied at the login page. Press Log in to try again.' })
      .waitFor();
    expect(await page.content()).not.toContain('attacker.example');
    expect(new URL(page.url()).search).toBe('');
    await button('Log in').waitFor();
    await expectAccessible();
    expect(errors.unexpected()).toEqual([]);
  });

  it('logs in again when the API answers 401 (user-api-keys-unauthorized), once, not in a loop', async () => {
    server.api.fail('GET', /^\/keys$/, { status: 401, body: { code: 'INVALID_TOKEN', message: 'The access token is expired.' } }, 2);
    await page.goto(`${server.origin}/console`);
    await button('Log in').click();
    // The first 401 sends the page to Auth0 again; the second, right after that login, is shown instead of redirecting again.
    await page.getByRole('alert').filter({ hasText: 'Your session has ended: log in again.' }).waitFor();
    await page.getByText('Logged in as').waitFor();
    expect(auth0.authorizeRequests.filter((request) => request.prompt === null)).toHaveLength(2);
    expect(server.api.requestsTo('GET', /^\/keys\?/)).toHaveLength(2);
    await button('Try again').click();
    await page.getByText('You have no API keys yet.').waitFor();
    expect(errors.unexpected([FAILED_RESOURCE])).toEqual([]);
  });
});
