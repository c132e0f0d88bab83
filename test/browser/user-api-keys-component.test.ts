import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildConsoleAssets } from '../../console/build';
import type * as ConsoleTypes from '../../console/src/types';
import type { KeyView } from '../../lambdas/domain/api-key';
import type { AuditEventView } from '../../lambdas/domain/audit-event';
import type { CreatedKey, RotatedKey } from '../../lambdas/domain/key-service';
import type { ConsoleConfigDocument } from '../../lambdas/console/console-config';
import {
  collectConsoleErrors,
  eventually,
  FAILED_RESOURCE,
  focusedIn,
  launchBrowser,
  runAxe,
  type ConsoleErrors,
} from '../support/browser';
import { startHarnessServer, type HarnessServer } from './fake-keys-api';

/**
 * <user-api-keys> in headless Chromium, state by state, against the fake API of
 * fake-keys-api.ts, under the strict CSP. Names of buttons and fields are a contract
 * (console/README.md): they are found by role and label, exactly.
 */

let browser: Browser;
let server: HarnessServer;
let context: BrowserContext;
let page: Page;
let errors: ConsoleErrors;

beforeAll(async () => {
  const assets = await buildConsoleAssets();
  [server, browser] = await Promise.all([startHarnessServer(assets), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all([browser.close(), server.close()]);
});

beforeEach(async () => {
  server.api.reset(server.origin);
  context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(5000);
  errors = collectConsoleErrors(page);
});

afterEach(async () => {
  await context.close();
});

async function open(query = ''): Promise<void> {
  await page.goto(`${server.origin}/harness.html${query}`);
}

const button = (name: string) => page.getByRole('button', { name, exact: true });
const dialog = () => page.getByRole('dialog');
const alert = () => page.getByRole('alert').filter({ hasText: /\S/ });
const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: false }) });

async function expectAccessible(): Promise<void> {
  expect(await runAxe(page)).toEqual([]);
}

function expectCleanConsole(allowed: RegExp[] = []): void {
  expect(errors.unexpected(allowed)).toEqual([]);
}

/** The deepest focused element, through shadow roots: its text, accessible label and row. */
const focused = () => focusedIn(page);

/** Everything the element holds that a secret could hide in: its shadow DOM, every field's value, its own properties. */
function elementHolds(): Promise<string> {
  return page.evaluate(() => {
    const element: any = (globalThis as any).document.querySelector('user-api-keys');
    const root = element.shadowRoot;
    const values = [...root.querySelectorAll('input, textarea')].map((input: any) => input.value);
    const own = Object.getOwnPropertyNames(element).map((name) => {
      try {
        return JSON.stringify(element[name]);
      } catch {
        return '';
      }
    });
    return [root.innerHTML, root.textContent, ...values, ...own].join('\n');
  });
}

async function createKeyThroughDialog(name: string): Promise<string> {
  await button('Create key').click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await button('Create').click();
  const field = page.getByLabel('New key', { exact: true });
  await field.waitFor();
  return field.inputValue();
}

describe('<user-api-keys>', () => {
  it("speaks the server's types (checked at compile time)", () => {
    const view = (key: KeyView): ConsoleTypes.KeyView => key;
    const created = (key: CreatedKey): ConsoleTypes.CreatedKey => key;
    const rotated = (key: RotatedKey): ConsoleTypes.RotatedKey => key;
    const event = (entry: AuditEventView): ConsoleTypes.KeyEvent => entry;
    const config = (document: ConsoleConfigDocument): ConsoleTypes.ConsoleConfig => document;
    expect([view, created, rotated, event, config].every((check) => typeof check === 'function')).toBe(true);
  });

  it('shows a loading state, then the empty state that says what a key is for; with a fresh token per request, under the CSP', async () => {
    const release = server.api.hold('GET', /^\/keys$/);
    await open();
    await page.getByText('Loading your keys…').first().waitFor();
    await expectAccessible();
    release();
    await page.getByText('You have no API keys yet.').waitFor();
    expect(await page.locator('user-api-keys').textContent()).toBe(''); // all of it in the shadow root
    await expect(page.getByText(/scripts, CI jobs and command-line tools call the API as you/).count()).resolves.toBe(1);
    await expectAccessible();

    const [list] = server.api.requestsTo('GET', /^\/keys\?/);
    expect(list?.headers.authorization).toBe('Bearer test-access-token');
    expect(list?.path).toBe('/keys?limit=3');
    expect(await page.evaluate(() => (globalThis as any).harness.tokenCalls)).toBeGreaterThanOrEqual(1);
    // Styled by adopted stylesheets only: no <style> element, no style= attribute (the CSP allows neither).
    const styling = await page.evaluate(() => {
      const element: any = (globalThis as any).document.querySelector('user-api-keys');
      const root = element.shadowRoot;
      const create = root.querySelector('#create-key');
      return {
        adopted: root.adoptedStyleSheets.length,
        styleElements: root.querySelectorAll('style').length,
        styleAttributes:
          Number(root.querySelectorAll('[style]').length) + Number((globalThis as any).document.querySelectorAll('[style]').length),
        createBackground: (globalThis as any).getComputedStyle(create).backgroundColor,
        exported: (globalThis as any).harness.UserApiKeys === (globalThis as any).customElements.get('user-api-keys'),
      };
    });
    expect(styling).toEqual({ adopted: 1, styleElements: 0, styleAttributes: 0, createBackground: 'rgb(11, 87, 208)', exported: true });

    // A new provider (a React host passes one at each render) is used from the next request on, without reloading the list.
    await page.evaluate(() => {
      (globalThis as any).document.querySelector('user-api-keys').getAccessToken = () => Promise.resolve('test-access-token');
    });
    await page.waitForTimeout(100);
    expect(server.api.requestsTo('GET', /^\/keys\?/)).toHaveLength(1);
    expectCleanConsole();
  });

  it('lists keys (status in words, scopes, dates, the imported marker), pages through them and filters by status', async () => {
    const { api } = server;
    api.seed({ name: 'oldest', scopes: ['read', 'write'] });
    api.seed({ name: 'revoked one', status: 'revoked', revokedAt: '2026-03-01T13:00:00.000Z' });
    api.seed({ name: 'from stormpath', id: 'ABCDEFGHIJKLMNOPQRSTUVWXY', origin: 'stormpath', lastUsedAt: '2026-03-01T12:30:00.000Z' });
    api.seed({ name: 'paused', status: 'disabled', enabled: false });
    api.seed({ name: 'newest <b>bold</b>' });
    await open();

    await row('newest <b>bold</b>').waitFor(); // text, never markup
    expect(await page.locator('user-api-keys b').count()).toBe(0);
    expect(await page.getByRole('table').getByRole('row').count()).toBe(4); // a header and 3 keys (page-size="3")
    expect(await row('paused').getByRole('cell').first().textContent()).toMatch(/Disabled/);
    const imported = row('from stormpath');
    expect(await imported.getByRole('rowheader').textContent()).toMatch(/from stormpath\s*imported/);
    expect(await imported.textContent()).toMatch(/1 Mar 2026, 12:30/); // last used
    expect(await row('paused').getByRole('button', { name: 'Enable', exact: true }).count()).toBe(1);
    expect(await row('paused').getByRole('button', { name: 'Rotate', exact: true }).count()).toBe(0);
    // Each action names itself in one word, and describes which key it acts on.
    const rotate = row('from stormpath').getByRole('button', { name: 'Rotate', exact: true });
    expect(await rotate.getAttribute('aria-describedby')).toMatch(/^key-name-/);
    expect(
      await page.evaluate(() => {
        const root = (globalThis as any).document.querySelector('user-api-keys').shadowRoot;
        return ['table', 'button', 'dialog', 'new-key', 'error'].filter((part) => root.querySelector(`[part~="${part}"]`) !== null);
      }),
    ).toEqual(['table', 'button', 'dialog', 'error']); // new-key appears with a new key
    await expectAccessible();

    await button('Next page').click();
    await row('oldest').waitFor();
    expect(await page.getByRole('table').getByRole('row').count()).toBe(3);
    expect(await row('revoked one').getByRole('button').allInnerTexts()).toEqual(['History']);
    expect(await row('oldest').textContent()).toMatch(/read, write/);
    expect(api.requestsTo('GET', /^\/keys\?/).map((request) => request.path)).toEqual(['/keys?limit=3', '/keys?limit=3&cursor=Mw']);
    await button('Previous page').click();
    await row('paused').waitFor();

    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Disabled', exact: true }).check();
    await eventually(async () => {
      expect(await page.getByRole('table').getByRole('row').count()).toBe(3);
    });
    expect(api.requestsTo('GET', /^\/keys\?/).at(-1)?.path).toBe('/keys?limit=3&status=disabled%2Crevoked');
    await expectAccessible();
    expectCleanConsole();
  });

  it("shows server errors in words: a 500's { code, message }, the gateway's { message }, and a network failure; then recovers", async () => {
    server.api.seed({ name: 'ci' });
    server.api.fail('GET', /^\/keys$/, { status: 500, body: { code: 'INTERNAL_ERROR', message: 'A fault of ours' } });
    await open();
    await eventually(async () => {
      expect(await alert().textContent()).toBe('A fault of ours. (INTERNAL_ERROR)');
    });
    await expectAccessible();

    server.api.fail('GET', /^\/keys$/, { status: 403, body: { message: 'Forbidden' } });
    await button('Try again').click();
    await eventually(async () => {
      expect(await alert().textContent()).toBe('Forbidden. (HTTP 403)');
    });

    // Chromium retries a GET when a kept-alive connection closes without an answer: drop every try.
    server.api.fail('GET', /^\/keys$/, 'drop', 10);
    await button('Try again').click();
    await eventually(async () => {
      expect(await alert().textContent()).toBe('The API could not be reached. Check your connection and try again.');
    });
    await expectAccessible();
    server.api.clearFaults();

    await button('Try again').click();
    await row('ci').waitFor();
    expect(await alert().count()).toBe(0);
    expectCleanConsole([FAILED_RESOURCE]);
  });

  it('on a 401, dispatches user-api-keys-unauthorized (bubbling, composed) and says the session has ended', async () => {
    await open('?token=expired');
    await eventually(async () => {
      expect(await alert().textContent()).toBe('Your session has ended: log in again.');
    });
    expect(await page.evaluate(() => (globalThis as any).harness.unauthorized)).toBe(1);
    await expectAccessible();
    expectCleanConsole([FAILED_RESOURCE]);
  });

  it('keeps a new key on screen when the session ends right after its create, and tells the host once the panel closes', async () => {
    await open();
    await page.getByText('You have no API keys yet.').waitFor();
    // The list's reload after the create is the first request to see the ended session.
    server.api.fail('GET', /^\/keys$/, { status: 401, body: { code: 'INVALID_TOKEN', message: 'The access token has expired' } });
    const secret = await createKeyThroughDialog('late');
    // The refused reload has come back (its words are in the alert), and the key is still there, the host not told.
    await eventually(async () => {
      expect(await alert().textContent()).toBe('Your session has ended: log in again.');
    });
    expect(await page.evaluate(() => (globalThis as any).harness.unauthorized)).toBe(0);
    expect(await page.getByLabel('New key', { exact: true }).inputValue()).toBe(secret);
    await button('Done').click();
    await eventually(async () => {
      expect(await page.evaluate(() => (globalThis as any).harness.unauthorized)).toBe(1);
    });
    expect(await elementHolds()).not.toContain(secret);
    expectCleanConsole([FAILED_RESOURCE]);
  });

  it('on a 429, says when to try again (Retry-After); trying again sends the same Idempotency-Key, so it makes one key', async () => {
    await open();
    await page.getByText('You have no API keys yet.').waitFor();
    server.api.fail('POST', /^\/keys$/, {
      status: 429,
      body: { code: 'RATE_LIMITED', message: 'Too many keys created in a minute' },
      headers: { 'retry-after': '42' },
    });
    await button('Create key').click();
    await page.getByLabel('Name', { exact: true }).fill('deploy');
    await button('Create').click();
    await eventually(async () => {
      expect(await dialog().getByRole('alert').textContent()).toBe(
        'Too many keys created in a minute. (RATE_LIMITED) Try again in 42 seconds.',
      );
    });
    await expectAccessible();
    await button('Create').click();
    await page.getByLabel('New key', { exact: true }).waitFor();
    const [first, second] = server.api.requestsTo('POST', /^\/keys$/);
    expect(first?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect(second?.body).toEqual(first?.body);
    expectCleanConsole([FAILED_RESOURCE]);
  });

  it('creates a key: shown once in "New key" with Copy and a usage example; closing removes it from the DOM and from memory', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await open();
    await page.getByText('You have no API keys yet.').waitFor();
    await button('Create key').click();
    const form = dialog();
    await form.waitFor();
    expect(await focused()).toMatchObject({ tag: 'input', label: 'Name' });
    expect(await form.getByRole('group', { name: 'Scopes' }).getByRole('checkbox').allTextContents()).toHaveLength(3);
    const expires = page.getByLabel('Expires', { exact: true });
    expect((await expires.locator('option').allInnerTexts()).map((text) => text.trim())).toEqual([
      '7 days',
      '30 days',
      '90 days (default)',
      '1 year',
      'On a date…',
    ]);
    await expectAccessible();

    await page.getByLabel('Name', { exact: true }).fill('nightly backup');
    await form.getByRole('checkbox', { name: 'write', exact: true }).check();
    await expires.selectOption({ label: '30 days' });
    const before = Date.now();
    await button('Create').click();

    const field = page.getByLabel('New key', { exact: true });
    await field.waitFor();
    const key = await field.inputValue();
    expect(key).toMatch(/^uak_[0-9A-Za-z]{22}_[0-9A-Za-z]{49}$/);
    expect(await field.getAttribute('readonly')).not.toBeNull();
    expect(await dialog().textContent()).toMatch(/It will not be shown again/);
    expect(await dialog().locator('pre').textContent()).toBe(`curl -H "authorization: Bearer ${key}" ${server.origin}/...`);
    const [request] = server.api.requestsTo('POST', /^\/keys$/);
    expect(request?.headers['idempotency-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(request?.headers.authorization).toBe('Bearer test-access-token');
    const body = request?.body as { name: string; scopes: string[]; expiresAt: string };
    expect(body).toEqual({ name: 'nightly backup', scopes: ['write'], expiresAt: expect.any(String) });
    expect(Date.parse(body.expiresAt) - before).toBeGreaterThan(30 * 86_400_000 - 60_000);
    expect(Date.parse(body.expiresAt) - before).toBeLessThan(30 * 86_400_000 + 60_000);
    await expectAccessible();

    await button('Copy').click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(key);
    // A live region speaks when its text changes: a second Copy empties it first, so it is heard again.
    const announcements = await page.evaluateHandle(() => {
      const seen: string[] = [];
      const status = (globalThis as any).document.querySelector('user-api-keys').shadowRoot.querySelector('#copy-status');
      new (globalThis as any).MutationObserver(() => seen.push(status.textContent.trim())).observe(status, {
        childList: true,
        subtree: true,
        characterData: true,
      });
      return seen;
    });
    await button('Copy').click();
    await eventually(async () => {
      expect(await announcements.evaluate((seen: string[]) => seen.filter((text) => text === 'Copied').length)).toBe(1);
    });

    await button('Done').click();
    await eventually(async () => {
      expect(await dialog().count()).toBe(0);
    });
    expect(await elementHolds()).not.toContain(key);
    expect(await focused()).toMatchObject({ text: 'Create key' });
    await row('nightly backup').waitFor();
    expect(await row('nightly backup').textContent()).not.toContain(key);
    expectCleanConsole();
  });

  it('without a clipboard, selects the key and says so; leaving the page (pagehide) or removing the element forgets the key', async () => {
    await page.addInitScript(() => {
      Object.defineProperty((globalThis as any).navigator, 'clipboard', { value: undefined });
    });
    await open();
    await page.getByText('You have no API keys yet.').waitFor();
    const first = await createKeyThroughDialog('laptop');
    await button('Copy').click();
    await page.getByRole('status').filter({ hasText: 'The clipboard is not available here' }).waitFor();
    const selection = await page.evaluate(() => {
      const input = (globalThis as any).document.querySelector('user-api-keys').shadowRoot.querySelector('#new-key');
      return [input.selectionStart, input.selectionEnd, input.value.length];
    });
    expect(selection).toEqual([0, first.length, first.length]);
    expect(await focused()).toMatchObject({ label: 'New key' });

    await page.evaluate(() =>
      (globalThis as any).dispatchEvent(new (globalThis as any).PageTransitionEvent('pagehide', { persisted: true })),
    );
    expect(await elementHolds()).not.toContain(first);
    await eventually(async () => {
      expect(await dialog().count()).toBe(0);
    });

    const second = await createKeyThroughDialog('desktop');
    const afterRemoval = await page.evaluate((secret) => {
      const element: any = (globalThis as any).document.querySelector('user-api-keys');
      element.remove();
      const root = element.shadowRoot;
      const values = [...root.querySelectorAll('input')].map((input: any) => input.value).join(' ');
      return `${root.innerHTML} ${values}`.includes(secret);
    }, second);
    expect(afterRemoval).toBe(false);
    expectCleanConsole();
  });

  it('rotates a key from its dialog ("Rotate key", grace period), shown once like a create', async () => {
    const key = server.api.seed({ name: 'ci job', scopes: ['read', 'orders:read'] });
    await open();
    await row('ci job').getByRole('button', { name: 'Rotate', exact: true }).click();
    await dialog().getByRole('heading', { name: 'Rotate “ci job”' }).waitFor();
    const grace = page.getByLabel('Grace period', { exact: true });
    expect((await grace.locator('option').allInnerTexts()).map((text) => text.trim())).toEqual([
      'None: the old key stops working at once',
      '1 hour (default)',
      '24 hours',
      '7 days',
    ]);
    expect(await grace.inputValue()).toBe('3600');
    await expectAccessible();
    await grace.selectOption({ label: '24 hours' });
    await button('Rotate key').click();

    const field = page.getByLabel('New key', { exact: true });
    await field.waitFor();
    const secret = await field.inputValue();
    expect(secret).toMatch(/^uak_/);
    expect(await dialog().textContent()).toMatch(/The old key keeps working until 2 Mar 2026/);
    const [request] = server.api.requestsTo('POST', new RegExp(`^/keys/${key.id}/rotate$`));
    expect(request?.body).toEqual({ gracePeriodSeconds: 86_400 });
    expect(request?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    await expectAccessible();

    await page.keyboard.press('Escape');
    await eventually(async () => {
      expect(await dialog().count()).toBe(0);
    });
    expect(await elementHolds()).not.toContain(secret);
    // The old key (now replaced) has no Rotate any more: focus goes to its row's first action.
    await eventually(async () => {
      expect(await row('ci job').count()).toBe(2);
    });
    expect(await focused()).toMatchObject({ keyId: key.id, tag: 'button' });
    expectCleanConsole();
  });

  it('disables and enables a key (PATCH { enabled }), the status in words, focus kept on the button', async () => {
    const key = server.api.seed({ name: 'cron' });
    await open();
    await row('cron').getByRole('button', { name: 'Disable', exact: true }).click();
    await row('cron').getByRole('button', { name: 'Enable', exact: true }).waitFor();
    expect(await row('cron').getByRole('cell').first().textContent()).toBe('Disabled');
    expect(await focused()).toMatchObject({ text: 'Enable', keyId: key.id });
    await page.getByRole('status').filter({ hasText: 'Key “cron” disabled.' }).waitFor();
    await expectAccessible();
    await page.keyboard.press('Enter');
    await row('cron').getByRole('button', { name: 'Disable', exact: true }).waitFor();
    expect(await row('cron').getByRole('cell').first().textContent()).toBe('Active');
    expect(server.api.requestsTo('PATCH', new RegExp(`^/keys/${key.id}$`)).map((request) => request.body)).toEqual([
      { enabled: false },
      { enabled: true },
    ]);
    expectCleanConsole();
  });

  it('renames a key from a dialog with a "Name" field (PATCH { name }); focus returns to Rename', async () => {
    const key = server.api.seed({ name: 'old name' });
    await open();
    await row('old name').getByRole('button', { name: 'Rename', exact: true }).click();
    const name = dialog().getByLabel('Name', { exact: true });
    expect(await name.inputValue()).toBe('old name');
    await expectAccessible();
    await name.fill('new name');
    await button('Save').click();
    await row('new name').waitFor();
    expect(server.api.requestsTo('PATCH', new RegExp(`^/keys/${key.id}$`)).map((request) => request.body)).toEqual([{ name: 'new name' }]);
    await eventually(async () => {
      expect(await focused()).toMatchObject({ text: 'Rename', keyId: key.id });
    });
    expectCleanConsole();
  });

  it('revokes after a confirmation that names the key ("Revoke key"); a revoked key keeps only History', async () => {
    const key = server.api.seed({ name: 'leaked key' });
    await open();
    await row('leaked key').getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog().waitFor();
    expect(await dialog().textContent()).toMatch(/Revoking the key “leaked key” stops it for good/);
    expect(await focused()).toMatchObject({ text: 'Cancel' }); // the safe choice first
    await expectAccessible();
    await button('Revoke key').click();
    await eventually(async () => {
      expect(await dialog().count()).toBe(0);
    });
    expect(server.api.requestsTo('DELETE', new RegExp(`^/keys/${key.id}$`))).toHaveLength(1);
    await eventually(async () => {
      expect(await row('leaked key').getByRole('cell').first().textContent()).toBe('Revoked');
    });
    expect(await row('leaked key').getByRole('button').allInnerTexts()).toEqual(['History']);
    expect(await focused()).toMatchObject({ text: 'History', keyId: key.id });
    expectCleanConsole();
  });

  it("shows a key's history (when, what, who, from where, details), paged with Load more; Escape closes it", async () => {
    const key = server.api.seed({ name: 'audited' });
    server.api.events.set(key.id, [
      {
        type: 'rename',
        actor: 'auth0|alice',
        at: '2026-03-02T08:00:00.000Z',
        sourceIp: '198.51.100.4',
        userAgent: 'curl/8.5',
        details: { from: 'a', to: 'b' },
      },
      ...Array.from({ length: 24 }, (_, index) => ({
        type: index % 2 === 0 ? ('enable' as const) : ('disable' as const),
        actor: index % 2 === 0 ? 'auth0:user.unblocked' : 'auth0:user.blocked',
        at: '2026-02-01T00:00:00.000Z',
        sourceIp: '',
        userAgent: '',
      })),
    ]);
    await open();
    await row('audited').getByRole('button', { name: 'History', exact: true }).click();
    const history = dialog().getByRole('table');
    await history.waitFor();
    const header = await history.getByRole('columnheader').allInnerTexts();
    expect(header).toEqual(['When', 'What', 'Who', 'From where', 'Details']);
    const first = history.getByRole('row').nth(1);
    expect(await first.getByRole('cell').allInnerTexts()).toEqual([
      '2 Mar 2026, 08:00',
      'Renamed',
      'auth0|alice',
      '198.51.100.4, curl/8.5',
      'from: a; to: b',
    ]);
    expect(await history.getByRole('row').nth(2).getByRole('cell').allInnerTexts()).toEqual([
      '1 Feb 2026, 00:00',
      'Enabled',
      'auth0:user.unblocked',
      'unknown',
      'none',
    ]);
    expect(await history.getByRole('row').count()).toBe(21);
    await expectAccessible();
    await button('Load more').focus();
    await page.keyboard.press('Enter');
    await eventually(async () => {
      expect(await history.getByRole('row').count()).toBe(26);
    }); // a header and 25 events
    expect(await button('Load more').count()).toBe(0);
    // The last page took Load more away from under the focus: it is on Close, and the status region says what came.
    await eventually(async () => {
      expect(await focused()).toMatchObject({ text: 'Close' });
    });
    expect(await dialog().getByRole('status').textContent()).toBe('5 more events loaded: that is all of them.');
    expect(server.api.requestsTo('GET', new RegExp(`^/keys/${key.id}/events`)).map((request) => request.path)).toEqual([
      `/keys/${key.id}/events?limit=20`,
      `/keys/${key.id}/events?limit=20&cursor=20`,
    ]);
    await page.keyboard.press('Escape');
    await eventually(async () => {
      expect(await dialog().count()).toBe(0);
    });
    expect(await focused()).toMatchObject({ text: 'History', keyId: key.id });
    expectCleanConsole();
  });

  it('creates a key with the keyboard alone (Tab, Enter, Space), and Escape returns focus to Create key', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await open();
    await page.getByText('You have no API keys yet.').waitFor();
    const press = async (key: string, times = 1) => {
      for (let index = 0; index < times; index += 1) await page.keyboard.press(key);
    };
    await press('Tab');
    expect(await focused()).toMatchObject({ text: 'Create key' });
    await press('Enter');
    await dialog().waitFor();
    expect(await focused()).toMatchObject({ label: 'Name' });
    await page.keyboard.type('from the keyboard');
    await press('Tab');
    expect(await focused()).toMatchObject({ tag: 'input', text: '' });
    await press('Space'); // the first scope: read
    await press('Tab', 3); // past write and orders:read to Expires
    expect(await focused()).toMatchObject({ tag: 'select', label: 'Expires' });
    await press('Tab', 2); // Cancel, then Create
    expect(await focused()).toMatchObject({ text: 'Create' });
    await press('Enter');
    await page.getByLabel('New key', { exact: true }).waitFor();
    expect(await focused()).toMatchObject({ label: 'New key' });
    await press('Tab');
    expect(await focused()).toMatchObject({ text: 'Copy' });
    await press('Space');
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    await press('Escape');
    await eventually(async () => {
      expect(await dialog().count()).toBe(0);
    });
    expect(await focused()).toMatchObject({ text: 'Create key' });
    expect(server.api.requestsTo('POST', /^\/keys$/).map((request) => (request.body as { scopes: string[] }).scopes)).toEqual([['read']]);
    expectCleanConsole();
  });

  it('returns focus to the opener when a dialog is cancelled, by button or by Escape', async () => {
    const key = server.api.seed({ name: 'focus' });
    await open();
    await button('Create key').click();
    await dialog().waitFor();
    await button('Cancel').click();
    await eventually(async () => {
      expect(await focused()).toMatchObject({ text: 'Create key' });
    });
    for (const action of ['Rotate', 'Rename', 'Revoke', 'History']) {
      await row('focus').getByRole('button', { name: action, exact: true }).click();
      await dialog().waitFor();
      await page.keyboard.press('Escape');
      await eventually(async () => {
        expect(await focused()).toMatchObject({ text: action, keyId: key.id });
      });
    }
    expectCleanConsole();
  });

  it('fits a 360 px wide viewport: rows stack, every action is on screen, nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    server.api.seed({ name: 'a key with a rather long name for a narrow phone screen', scopes: ['read', 'write', 'orders:read'] });
    server.api.seed({ name: 'short' });
    await open();
    await row('short').waitFor();
    expect(await page.getByRole('table').getByRole('row').count()).toBe(3); // still a table to assistive technology
    const boxes = await page.getByRole('button').evaluateAll((buttons: any[]) =>
      buttons.map((element) => {
        const box = element.getBoundingClientRect();
        return { name: element.textContent.trim(), left: box.left, right: box.right };
      }),
    );
    expect(boxes.length).toBeGreaterThan(8);
    for (const box of boxes) {
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(360);
    }
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await expectAccessible();
    await button('Create key').click();
    const box = await dialog().boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
    await expectAccessible();
    expectCleanConsole();
  });
});
