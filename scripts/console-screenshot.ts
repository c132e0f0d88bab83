/**
 * `npx tsx scripts/console-screenshot.ts [out.png]` (default docs/console.png): the README's picture of the console.
 * Starts the local system as `npm start` does (its default settings, whatever the environment says), but on free
 * ports with an in-memory DynamoDB Local (needs Java); logs in as alice through the development IdP's login page in
 * headless Chromium, creates "ci deploy" (scope read) and "laptop script", and takes the page with the second key
 * shown once. Nothing is written but the picture.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { createLogger } from '../lambdas/observability/logger';
import { startLocalSystem, type LocalSystem } from '../local/local-system';
import { localSettingsFromEnv } from '../local/settings';
import { launchBrowser } from '../test/support/browser';

/** DynamoDB Local takes no port 0 (it exits with "Invalid Port"): a port free right now instead. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().once('error', fail);
    probe.listen(0, () => {
      const address = probe.address();
      probe.close(() => {
        done(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** npm start's own gateway port, when nothing holds it, so the picture's curl line reads as the README's do. */
function gatewayPort(preferred: number): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().once('error', () => {
      done(0);
    });
    probe.listen(preferred, '127.0.0.1', () => {
      probe.close(() => {
        done(preferred);
      });
    });
  });
}

async function createKey(page: Page, name: string, scopes: readonly string[]): Promise<void> {
  await page.getByRole('button', { name: 'Create key', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  for (const scope of scopes) await dialog.getByRole('checkbox', { name: scope, exact: true }).check();
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByLabel('New key', { exact: true }).waitFor();
}

async function main(out: string): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = localSettingsFromEnv({}, process.cwd());
  if (!('devPort' in settings.identity)) throw new Error('the default settings use the development identity provider');
  const system: LocalSystem = await startLocalSystem({
    ...settings,
    port: await gatewayPort(settings.port),
    dynamodb: { port: await freePort() }, // in memory, under a random key: nothing on disk
    identity: { ...settings.identity, devPort: 0, keyFile: undefined },
    logger: createLogger('console-screenshot'),
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 }, locale: 'en-GB', timezoneId: 'UTC' });
    page.setDefaultTimeout(15_000);
    await page.goto(system.consoleUrl);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByLabel('User id', { exact: true }).fill('alice');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).waitFor();

    await createKey(page, 'ci deploy', ['read']);
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByRole('rowheader', { name: 'ci deploy' }).waitFor();
    await createKey(page, 'laptop script', []);
    await page.getByRole('rowheader', { name: 'laptop script' }).waitFor(); // the list behind the panel, reloaded
    await page.getByRole('status').filter({ hasText: 'Key “laptop script” created.' }).waitFor();
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
    await system.stop();
  }
}

const out = resolve(process.argv[2] ?? 'docs/console.png');
main(out).then(
  () => {
    console.log(`Wrote ${out}`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`Could not take the screenshot: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
