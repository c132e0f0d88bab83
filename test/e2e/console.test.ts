import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { closeServer, listenOnLoopback } from '../../local/http-util';
import {
  collectConsoleErrors,
  eventually,
  FAILED_RESOURCE,
  focusedIn,
  launchBrowser,
  runAxe,
  type ConsoleErrors,
} from '../support/browser';
import { startTestSystem, type TestSystem } from '../support/local-system';

/**
 * The console end to end, in headless Chromium: `GET /console` on the local gateway, the
 * development IdP's real login page (Authorization Code with PKCE), the real handlers on
 * DynamoDB Local, and every key the page shows tried against `GET /whoami` (cache TTL 0, so
 * a change is seen at once). Then `<user-api-keys>` dropped into pages of two other origins,
 * one in CORS_ALLOW_ORIGINS and one not.
 */

let system: TestSystem;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: ConsoleErrors;
/** The gateway's requests, as its access log sees them. */
const gatewayLog: { method: string; path: string; status: number }[] = [];

/** Two host apps on other origins: `allowed` is in CORS_ALLOW_ORIGINS, `other` is not. */
let allowedHost: HostApp;
let otherHost: HostApp;

interface HostApp {
  readonly server: Server;
  readonly origin: string;
}

/** The gateway's copy of the component, served by `other` as its own (a module from another origin needs CORS). */
let componentCopy = '';

/**
 * A host app's page: `<user-api-keys>` pointed at the gateway, with the token from the URL's
 * fragment (never sent to a server), under a strict CSP that names the gateway. `?own-copy`
 * loads the component from the host itself instead of from the gateway.
 */
function hostPage(ownCopy: boolean): string {
  const component = ownCopy ? '/user-api-keys.js' : `${system.gatewayUrl}/console/user-api-keys.js`;
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host app</title>' +
    `<script type="module" src="${component}"></script><script type="module" src="/host.js"></script></head>` +
    `<body><main><h1>My app</h1><user-api-keys api-url="${system.gatewayUrl}"></user-api-keys></main></body></html>`
  );
}

const HOST_SCRIPT =
  "const token = decodeURIComponent(location.hash.slice(1));\ndocument.querySelector('user-api-keys').getAccessToken = () => Promise.resolve(token);\n";

async function startHost(): Promise<HostApp> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const send = (type: string, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      response.end(body);
    };
    if (url.pathname === '/') {
      const csp = `default-src 'none'; script-src 'self' ${system.gatewayUrl}; connect-src ${system.gatewayUrl}; style-src 'self'; base-uri 'none'; frame-ancestors 'none'`;
      send('text/html; charset=utf-8', hostPage(url.searchParams.has('own-copy')), { 'content-security-policy': csp });
    } else if (url.pathname === '/host.js') send('text/javascript; charset=utf-8', HOST_SCRIPT);
    else if (url.pathname === '/user-api-keys.js') send('text/javascript; charset=utf-8', componentCopy);
    else {
      response.writeHead(404);
      response.end();
    }
  });
  return { server, origin: `http://127.0.0.1:${await listenOnLoopback(server, 0)}` };
}

beforeAll(async () => {
  [allowedHost, otherHost, browser] = await Promise.all([startHost(), startHost(), launchBrowser()]);
  system = await startTestSystem({
    corsAllowOrigins: [allowedHost.origin],
    onRequest: (line) => gatewayLog.push(line),
  });
  // The console is built on its first request: here, not inside the first test's timeouts.
  expect((await fetch(system.consoleUrl)).status).toBe(200);
});

afterAll(async () => {
  await browser.close();
  await system.stop();
  await Promise.all([closeServer(allowedHost.server), closeServer(otherHost.server)]);
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = collectConsoleErrors(page);
});

afterEach(async () => {
  await context.close();
});

const idpUrl = () => system.devIdentityProvider!.url;
const button = (name: string, within: Page | Locator = page) => within.getByRole('button', { name, exact: true });
const dialog = () => page.getByRole('dialog');
const newKeyField = () => page.getByLabel('New key', { exact: true });
/** A key's row, by the key id inside the key itself (rows of a rotated key and its successor share a name). */
const rowOf = (key: string) => page.locator(`tr[data-key-id="${keyIdOf(key)}"]`);
const statusOf = (key: string) => rowOf(key).getByRole('cell').first();
const KEY_PATTERN = /^uak_([0-9A-Za-z]{22})_[0-9A-Za-z]{49}$/;

function keyIdOf(key: string): string {
  const id = KEY_PATTERN.exec(key)?.[1];
  if (id === undefined) throw new Error(`not a key: ${key}`);
  return id;
}

async function expectAccessible(view: string): Promise<void> {
  expect({ view, violations: await runAxe(page) }).toEqual({ view, violations: [] });
}

/** `GET /whoami` with the key, from Node. */
async function whoami(key: string): Promise<{ status: number; sub: unknown }> {
  const answer = await system.call('/whoami', { key });
  return { status: answer.status, sub: (answer.body as { sub?: unknown } | undefined)?.sub };
}

/** Everything the page holds: the document, every open shadow root, and every field's value (not in the markup). */
function pageHolds(): Promise<string> {
  return page.evaluate(() => {
    const doc: any = (globalThis as any).document;
    const parts: string[] = [doc.documentElement.outerHTML];
    const visit = (root: any): void => {
      for (const element of root.querySelectorAll('*')) {
        if (typeof element.value === 'string') parts.push(element.value);
        if (element.shadowRoot) {
          parts.push(element.shadowRoot.innerHTML);
          visit(element.shadowRoot);
        }
      }
    };
    visit(doc);
    return parts.join('\n');
  });
}

const focused = () => focusedIn(page);

/** Logs in through the console's Log in and the development IdP's login page, with the mouse. */
async function logIn(user: string): Promise<void> {
  await page.goto(system.consoleUrl);
  await button('Log in').click();
  await page.waitForURL(`${idpUrl()}/authorize?**`);
  await page.getByLabel('User id', { exact: true }).fill(user);
  await button('Sign in').click();
  await expectLoggedIn(user);
}

async function expectLoggedIn(user: string): Promise<void> {
  await button('Log out').waitFor();
  expect(await page.locator('.who').innerText()).toBe(`Logged in as ${user}`);
  expect(page.url()).toBe(system.consoleUrl); // code and state gone from the address
}

/** Creates a key through the API, as `user`. */
async function seedKey(user: string, name: string): Promise<string> {
  const created = await system.call('/keys', {
    method: 'POST',
    token: await system.tokenFor(user),
    body: JSON.stringify({ name, scopes: ['read'] }),
  });
  expect(created.status).toBe(201);
  return (created.body as { key: string }).key;
}

/** The secret is nowhere in the page; else the markup around it, for a readable failure. */
async function expectForgotten(secret: string): Promise<void> {
  // A <dialog> closed by Escape leaves the accessibility tree at once; its close event, which forgets the key, comes a task later.
  await eventually(async () => {
    const holds = await pageHolds();
    const at = holds.indexOf(secret);
    expect(at === -1 ? 'forgotten' : holds.slice(Math.max(0, at - 400), at + 100)).toBe('forgotten');
  });
}

async function closeDialogWith(action: () => Promise<void>): Promise<void> {
  await action();
  await eventually(async () => {
    expect(await dialog().count()).toBe(0);
  });
}

describe('the console, end to end', () => {
  it('serves /console with its security headers, and the logged-out view is accessible', async () => {
    const response = await page.goto(system.consoleUrl);
    const headers = response!.headers();
    const csp = headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const connect = csp.split(';').map((directive) => directive.trim().split(/\s+/));
    expect(connect.find(([name]) => name === 'connect-src')).toEqual(['connect-src', "'self'", idpUrl()]);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await button('Log in').waitFor();
    expect(await page.title()).toBe('API keys');
    await expectAccessible('logged out');
    expect(errors.unexpected()).toEqual([]);
  });

  it('logs in, creates a key shown once that works at /whoami, then disables, enables, renames, rotates, revokes it and shows its history', async () => {
    const clock = system.clock;
    await logIn('alice');
    await page.getByText('You have no API keys yet.').waitFor();
    await expectAccessible('no keys yet');

    // Create, with the mouse.
    clock.advance(1);
    await button('Create key').click();
    await dialog().getByRole('heading', { name: 'Create an API key' }).waitFor();
    await expectAccessible('create dialog');
    await page.getByLabel('Name', { exact: true }).fill('deploy script');
    await dialog().getByRole('group', { name: 'Scopes' }).getByRole('checkbox', { name: 'read', exact: true }).check();
    const expires = page.getByLabel('Expires', { exact: true });
    expect(await expires.inputValue()).toBe('days:90');
    await button('Create', dialog()).click();
    await newKeyField().waitFor();
    const key = await newKeyField().inputValue();
    expect(key).toMatch(KEY_PATTERN);
    expect(await newKeyField().getAttribute('readonly')).not.toBeNull();
    expect(await dialog().textContent()).toMatch(/It will not be shown again/);
    expect(await dialog().locator('pre').textContent()).toBe(`curl -H "authorization: Bearer ${key}" ${system.gatewayUrl}/...`);
    await expectAccessible('new key panel');
    expect(await whoami(key)).toEqual({ status: 200, sub: 'alice' });
    expect(await pageHolds()).toContain(key); // the search below can find it

    await closeDialogWith(() => button('Done').click());
    await expectForgotten(key);
    expect(await pageHolds()).not.toContain(key.slice(-49)); // nor its secret alone
    await rowOf(key).waitFor();
    expect(await rowOf(key).getByRole('rowheader').innerText()).toBe('deploy script');
    expect(await rowOf(key).textContent()).toMatch(/read/);
    expect(await statusOf(key).innerText()).toBe('Active');
    await expectAccessible('keys list');

    // Disable: refused at once; enable: accepted again.
    clock.advance(1);
    await button('Disable', rowOf(key)).click();
    await button('Enable', rowOf(key)).waitFor();
    expect(await statusOf(key).innerText()).toBe('Disabled');
    expect(await whoami(key)).toEqual({ status: 403, sub: undefined });
    clock.advance(1);
    await button('Enable', rowOf(key)).click();
    await button('Disable', rowOf(key)).waitFor();
    expect(await statusOf(key).innerText()).toBe('Active');
    expect(await whoami(key)).toEqual({ status: 200, sub: 'alice' });

    // Rename.
    clock.advance(1);
    await button('Rename', rowOf(key)).click();
    const name = dialog().getByLabel('Name', { exact: true });
    expect(await name.inputValue()).toBe('deploy script');
    await expectAccessible('rename dialog');
    await name.fill('deploy script (ci)');
    await closeDialogWith(() => button('Save').click());
    await eventually(async () => {
      expect(await rowOf(key).getByRole('rowheader').innerText()).toBe('deploy script (ci)');
    });
    expect(await focused()).toMatchObject({ text: 'Rename', keyId: keyIdOf(key) });

    // Rotate with the default grace period: a new key shown once; the old one still works.
    clock.advance(1);
    await button('Rotate', rowOf(key)).click();
    await dialog().getByRole('heading', { name: 'Rotate “deploy script (ci)”' }).waitFor();
    const grace = page.getByLabel('Grace period', { exact: true });
    expect(await grace.inputValue()).toBe('3600');
    await expectAccessible('rotate dialog');
    await button('Rotate key').click();
    await newKeyField().waitFor();
    const rotated = await newKeyField().inputValue();
    expect(rotated).toMatch(KEY_PATTERN);
    expect(rotated).not.toBe(key);
    expect(await dialog().textContent()).toMatch(/The old key keeps working until/);
    await expectAccessible('rotated key panel');
    expect(await whoami(rotated)).toEqual({ status: 200, sub: 'alice' });
    expect(await whoami(key)).toEqual({ status: 200, sub: 'alice' });
    await closeDialogWith(() => page.keyboard.press('Escape'));
    await expectForgotten(rotated);
    await rowOf(rotated).waitFor();
    expect(await statusOf(key).innerText()).toBe('Active (replaced: works until it expires)');

    // Rotate the new key with no grace: the key it replaces is refused at once.
    clock.advance(1);
    await button('Rotate', rowOf(rotated)).click();
    await page.getByLabel('Grace period', { exact: true }).selectOption('0');
    await button('Rotate key').click();
    await newKeyField().waitFor();
    const third = await newKeyField().inputValue();
    expect(third).not.toBe(rotated);
    expect(await whoami(third)).toEqual({ status: 200, sub: 'alice' });
    expect(await whoami(rotated)).toEqual({ status: 403, sub: undefined });
    await closeDialogWith(() => button('Done').click());

    // Revoke the first key (still in its grace period), after a dialog that names it.
    clock.advance(1);
    await button('Revoke', rowOf(key)).click();
    await dialog().getByRole('heading', { name: 'Revoke “deploy script (ci)”?' }).waitFor();
    expect(await dialog().textContent()).toMatch(/Revoking the key “deploy script \(ci\)” stops it for good/);
    await expectAccessible('revoke dialog');
    await closeDialogWith(() => button('Revoke key').click());
    await eventually(async () => {
      expect(await statusOf(key).innerText()).toBe('Revoked');
    });
    expect(await rowOf(key).getByRole('button').allInnerTexts()).toEqual(['History']);
    expect(await focused()).toMatchObject({ text: 'History', keyId: keyIdOf(key) });
    expect(await whoami(key)).toEqual({ status: 403, sub: undefined });

    // Its history: every change, newest first, made by alice from this machine.
    await button('History', rowOf(key)).click();
    const history = dialog().getByRole('table');
    await history.waitFor();
    const rows = history.getByRole('row');
    expect(await rows.first().getByRole('columnheader').allInnerTexts()).toEqual(['When', 'What', 'Who', 'From where', 'Details']);
    const cells = await rows.evaluateAll((elements: any[]) =>
      elements.slice(1).map((row) => [...row.querySelectorAll('td')].map((cell: any) => cell.textContent.trim())),
    );
    expect(cells.map((row: string[]) => row[1])).toEqual(['Revoked', 'Rotated', 'Renamed', 'Enabled', 'Disabled', 'Created']);
    expect(cells.map((row: string[]) => row[2])).toEqual(Array(6).fill('alice'));
    for (const row of cells) expect(row[3]).toMatch(/^127\.0\.0\.1, Mozilla\/5\.0 /);
    expect(cells[1]?.[4]).toContain(`replacedBy: ${keyIdOf(rotated)}`);
    expect(cells[2]?.[4]).toBe('from: deploy script; to: deploy script (ci)');
    await expectAccessible('history dialog');
    await closeDialogWith(() => button('Close').click());
    expect(errors.unexpected()).toEqual([]);
  });

  it('logs in and creates a key with the keyboard alone; focus returns to Create key', async () => {
    await page.goto(system.consoleUrl);
    await button('Log in').waitFor();
    const press = async (key: string, times = 1) => {
      for (let index = 0; index < times; index += 1) await page.keyboard.press(key);
    };
    /** Tab (or Shift+Tab) until `matches` holds for the focused element, at most `limit` times. */
    const tabTo = async (matches: (focus: Awaited<ReturnType<typeof focused>>) => boolean, key = 'Tab', limit = 15) => {
      for (let index = 0; index < limit; index += 1) {
        await press(key);
        if (matches(await focused())) return;
      }
      throw new Error(`focus never reached the target; it is on ${JSON.stringify(await focused())}`);
    };
    await tabTo((focus) => focus.text === 'Log in');
    await Promise.all([page.waitForURL(`${idpUrl()}/authorize?**`), press('Enter')]);
    expect(await focused()).toMatchObject({ tag: 'input', label: 'User id' }); // autofocus
    await page.keyboard.type('bob');
    await press('Enter');
    await expectLoggedIn('bob');
    await page.getByText('You have no API keys yet.').waitFor();

    await tabTo((focus) => focus.text === 'Create key');
    await press('Enter');
    await dialog().waitFor();
    expect(await focused()).toMatchObject({ label: 'Name' });
    await page.keyboard.type('from the keyboard');
    await press('Tab');
    expect(await focused()).toMatchObject({ tag: 'input', type: 'checkbox', text: '' });
    await press('Space'); // the first scope: read
    await tabTo((focus) => focus.text === 'Create');
    await press('Shift+Tab'); // back to Cancel, and forward again: Shift+Tab works inside the dialog too
    expect(await focused()).toMatchObject({ text: 'Cancel' });
    await press('Tab');
    await press('Enter');
    await newKeyField().waitFor();
    expect(await focused()).toMatchObject({ label: 'New key' });
    const key = await newKeyField().inputValue();
    expect(await whoami(key)).toEqual({ status: 200, sub: 'bob' });
    await press('Escape');
    await eventually(async () => {
      expect(await dialog().count()).toBe(0);
    });
    expect(await focused()).toMatchObject({ text: 'Create key' });
    await expectForgotten(key);
    expect(await rowOf(key).getByRole('rowheader').innerText()).toBe('from the keyboard');
    expect(errors.unexpected()).toEqual([]);
  });

  it('fits a 360×740 viewport: the rows and their actions are on screen and usable, nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    const first = await seedKey('erin', 'a key with a rather long name for a narrow phone screen');
    const second = await seedKey('erin', 'short');
    await logIn('erin');
    await rowOf(first).waitFor();
    await rowOf(second).waitFor();
    const history = button('History', rowOf(first));
    await history.scrollIntoViewIfNeeded();
    const box = await history.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height).toBeLessThanOrEqual(740);
    const width = () =>
      page.evaluate((): [number, number] => [(globalThis as any).document.documentElement.scrollWidth, (globalThis as any).innerWidth]);
    const [scrollWidth, innerWidth] = await width();
    expect(innerWidth).toBe(360);
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    await expectAccessible('keys list, narrow');
    await history.click();
    await dialog().getByRole('table').waitFor();
    const dialogBox = await dialog().boundingBox();
    expect(dialogBox!.x).toBeGreaterThanOrEqual(0);
    expect(dialogBox!.x + dialogBox!.width).toBeLessThanOrEqual(360);
    await closeDialogWith(() => button('Close').click());
    await button('Disable', rowOf(second)).click();
    await button('Enable', rowOf(second)).waitFor();
    expect(await whoami(second)).toEqual({ status: 403, sub: undefined });
    expect((await width())[0]).toBeLessThanOrEqual(360);
    expect(errors.unexpected()).toEqual([]);
  });

  it('keeps the session across a reload without the login page (silent authentication), and logs out', async () => {
    await logIn('frank');
    const mainFrameUrls: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) mainFrameUrls.push(frame.url());
    });
    await page.reload();
    await expectLoggedIn('frank');
    await page.getByText('You have no API keys yet.').waitFor();
    expect(mainFrameUrls).toEqual([system.consoleUrl]);

    const [logout] = await Promise.all([
      page.waitForResponse((response) => response.url().startsWith(`${idpUrl()}/v2/logout?`)),
      button('Log out').click(),
    ]);
    expect(logout.status()).toBe(302);
    expect(logout.headers().location).toBe(system.consoleUrl);
    await button('Log in').waitFor();
    // The IdP's session is over: a reload stays logged out.
    await page.reload();
    await button('Log in').waitFor();
    expect(await button('Log out').count()).toBe(0);
    expect(errors.unexpected()).toEqual([]);
  });

  it('drops into a page on an allowed origin (CORS): lists the user’s keys and creates one; on another origin says why not', async () => {
    const token = await system.tokenFor('carol');
    const existing = await seedKey('carol', 'carol’s laptop');
    const fromHere = gatewayLog.length;
    await page.goto(`${allowedHost.origin}/#${encodeURIComponent(token)}`);
    await rowOf(existing).waitFor();
    expect(await rowOf(existing).getByRole('rowheader').innerText()).toBe('carol’s laptop');
    await expectAccessible('drop-in, keys list');

    await button('Create key').click();
    await page.getByLabel('Name', { exact: true }).fill('from the host app');
    await dialog().getByRole('checkbox', { name: 'read', exact: true }).check();
    await button('Create', dialog()).click();
    await newKeyField().waitFor();
    const key = await newKeyField().inputValue();
    expect(await dialog().locator('pre').textContent()).toBe(`curl -H "authorization: Bearer ${key}" ${system.gatewayUrl}/...`);
    expect(await whoami(key)).toEqual({ status: 200, sub: 'carol' });
    await closeDialogWith(() => button('Done').click());
    await rowOf(key).waitFor();
    // The module came with CORS; the create (authorization, content-type, idempotency-key) was preflighted.
    const seen = gatewayLog.slice(fromHere).map((line) => `${line.method} ${line.path.split('?')[0]} ${line.status}`);
    expect(seen).toEqual(
      expect.arrayContaining(['GET /console/user-api-keys.js 200', 'GET /console/config.json 200', 'OPTIONS /keys 204', 'POST /keys 201']),
    );
    // An exposed header is readable from the host's own script: a replayed create says so.
    const replayed = await page.evaluate(
      async ({ api, bearer }) => {
        const init = {
          method: 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            'content-type': 'application/json',
            'idempotency-key': 'f1b7c1de-0000-4000-8000-000000000001',
          },
          body: JSON.stringify({ name: 'replayed', scopes: ['read'] }),
        };
        const first = await fetch(`${api}/keys`, init);
        const second = await fetch(`${api}/keys`, init);
        return [first.status, second.status, second.headers.get('idempotent-replayed')];
      },
      { api: system.gatewayUrl, bearer: token },
    );
    expect(replayed).toEqual([201, 201, 'true']);
    expect(errors.unexpected()).toEqual([]);

    // From an origin not in CORS_ALLOW_ORIGINS: the gateway's module does not even load...
    const other = await context.newPage();
    const otherErrors = collectConsoleErrors(other);
    await other.goto(`${otherHost.origin}/#${encodeURIComponent(token)}`, { waitUntil: 'load' });
    expect(await other.evaluate(() => (globalThis as any).customElements.get('user-api-keys') === undefined)).toBe(true);
    // ...and a copy of its own, served by the host, is refused every call: it says so in words, and shows no key.
    componentCopy = await (await fetch(`${system.gatewayUrl}/console/user-api-keys.js`)).text();
    await other.goto(`${otherHost.origin}/?own-copy#${encodeURIComponent(token)}`);
    const alert = other.getByRole('alert').filter({ hasText: /\S/ });
    await eventually(async () => {
      expect(await alert.textContent()).toBe('The API could not be reached. Check your connection and try again.');
    });
    expect(await other.getByRole('row').count()).toBe(0);
    expect(await other.getByText('carol’s laptop').count()).toBe(0);
    const cors = /blocked by CORS policy|has been blocked by CORS/;
    expect(otherErrors.unexpected([cors, FAILED_RESOURCE])).toEqual([]);
    expect(otherErrors.messages.some((message) => cors.test(message))).toBe(true);
  });

  it('answers a preflight from an allowed origin with authorization and idempotency-key, and none from another', async () => {
    const preflight = (origin: string) =>
      fetch(`${system.gatewayUrl}/keys`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,idempotency-key' },
      });
    const allowed = await preflight(allowedHost.origin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(allowedHost.origin);
    expect(allowed.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']),
    );
    const refused = await preflight(otherHost.origin);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await fetch(`${system.gatewayUrl}/console/user-api-keys.js`, { headers: { origin: allowedHost.origin } });
    expect(answer.headers.get('access-control-allow-origin')).toBe(allowedHost.origin);
    expect(answer.headers.get('access-control-expose-headers')?.split(',')).toEqual(['retry-after', 'idempotent-replayed']);
  });
});
