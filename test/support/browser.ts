import { readFileSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium (no browser download),
 * with nothing that reaches beyond 127.0.0.1.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The policy the console's pages are served with (lambdas/console/security-headers.ts sends a stricter one still for the page). */
export const STRICT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let axeSource: string | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  /** Each failing node's selector and the reason, for a readable failure. */
  readonly nodes: readonly string[];
}

/**
 * axe-core's serious and critical violations on the page as it is now (shadow roots and an
 * open modal dialog included). Its source goes in with `page.evaluate`, not a script tag:
 * the page's CSP would refuse one.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof (globalThis as any).axe !== 'undefined');
  if (!loaded) await page.evaluate(axeSource);
  const violations: any[] = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] });
    return result.violations.map((violation: any) => ({
      id: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      nodes: violation.nodes.map((node: any) => `${JSON.stringify(node.target)}: ${node.failureSummary ?? ''}`),
    }));
  });
  return violations.filter((violation: AxeViolation) => violation.impact === 'serious' || violation.impact === 'critical');
}

export interface ConsoleErrors {
  /** Every console error and uncaught exception so far, as text. */
  readonly messages: string[];
  /** Those not matching any of `allowed` (e.g. the "Failed to load resource" Chromium logs for a 500 a test asked for). */
  unexpected(allowed?: readonly RegExp[]): string[];
}

/** Collects the page's console errors and uncaught exceptions; CSP refusals are console errors, so they show here. */
export function collectConsoleErrors(page: Page): ConsoleErrors {
  const messages: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') messages.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => {
    messages.push(`uncaught: ${error.message}`);
  });
  return {
    messages,
    unexpected: (allowed = []) => messages.filter((message) => !allowed.some((pattern) => pattern.test(message))),
  };
}

/** Chromium's own console line for a response a test made fail on purpose (an error status, or a dropped connection). */
export const FAILED_RESOURCE = /Failed to load resource/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `assertion` until it passes or `timeoutMs` is over (playwright-core has no expect of its own). */
export async function eventually(assertion: () => unknown, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

export interface FocusedElement {
  readonly tag: string;
  readonly text: string;
  readonly label: string;
  readonly type: string;
  /** The `data-key-id` of the table row it is in, if any. */
  readonly keyId: string | undefined;
}

/** The deepest focused element of `page`, through shadow roots. */
export function focusedIn(page: Page): Promise<FocusedElement> {
  return page.evaluate(() => {
    let active: any = (globalThis as any).document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    const labels = active?.labels ? [...active.labels].map((label: any) => label.textContent.trim()) : [];
    return {
      tag: String(active?.tagName ?? '').toLowerCase(),
      text: String(active?.textContent ?? '').trim(),
      label: labels.join(' '),
      type: String(active?.type ?? ''),
      keyId: active?.closest?.('tr')?.dataset.keyId,
    };
  });
}
