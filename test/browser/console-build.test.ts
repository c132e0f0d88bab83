import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsoleAssets, contentHash, writeConsoleAssets } from '../../console/build';
import { readConsoleAssets, type ConsoleAssets } from '../../lambdas/console/console-assets';

/** console/build.ts: what it makes, under which names, and that the same sources make the same bytes. */

const digest = (assets: ConsoleAssets) =>
  [...assets.files.values()].map((file) => [file.path, file.contentType, file.immutable, contentHash(file.body)].join(' '));

describe('the console build', () => {
  let assets: ConsoleAssets;
  let elapsedMs: number;

  beforeAll(async () => {
    await buildConsoleAssets(); // the first build warms esbuild's service up
    const started = performance.now();
    assets = await buildConsoleAssets();
    elapsedMs = performance.now() - started;
  });

  it('makes the element at a stable name and everything else under content-hashed names, in well under 2 s', () => {
    expect([...assets.files.keys()]).toEqual([
      'user-api-keys.js',
      expect.stringMatching(/^assets\/app-[A-Z2-7]{10}\.js$/),
      expect.stringMatching(/^assets\/console-[A-Z2-7]{10}\.css$/),
      expect.stringMatching(/^assets\/icon-[A-Z2-7]{10}\.svg$/),
      expect.stringMatching(/^assets\/auth0-worker-[A-Z2-7]{10}\.js$/),
    ]);
    for (const file of assets.files.values()) {
      expect(file.immutable).toBe(file.path !== 'user-api-keys.js');
      const hash = /-([A-Z2-7]{10})\.\w+$/.exec(file.path)?.[1];
      if (file.immutable) expect(hash).toBe(contentHash(file.body));
    }
    expect(assets.workerPath).toMatch(/^\/console\/assets\/auth0-worker-[A-Z2-7]{10}\.js$/);
    expect(assets.files.has(assets.workerPath.slice('/console/'.length))).toBe(true);
    expect(elapsedMs).toBeLessThan(2000);
  });

  it('is deterministic: the same sources make the same files', async () => {
    expect(digest(await buildConsoleAssets())).toEqual(digest(assets));
  });

  it('writes a page with only external, absolute /console/ files: no inline script or style', () => {
    const html = assets.indexHtml;
    const paths = [...assets.files.keys()];
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<title>API keys</title>');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1" />');
    expect(html).toContain(`<script type="module" src="/console/${paths.find((path) => path.startsWith('assets/app-'))}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/console/${paths.find((path) => path.startsWith('assets/console-'))}" />`);
    expect(html).toContain(
      `<link rel="icon" href="/console/${paths.find((path) => path.startsWith('assets/icon-'))}" type="image/svg+xml" />`,
    );
    expect(html).toMatch(/<main>[\s\S]*<\/main>/);
    expect(html).toMatch(/<noscript>[^<]*<p>[^<]+<\/p><\/noscript>/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son\w+=/i);
  });

  it('bundles Lit into an ES module that exports the element and defines <user-api-keys> only when undefined', () => {
    const element = assets.files.get('user-api-keys.js')!.body.toString('utf8');
    expect(element).toMatch(/export\s*\{[^}]*\bUserApiKeys\b/);
    expect(element).toContain('customElements.get(');
    // Lit bundled in (no bare import left), and no unsafeHTML directive (Lit itself sets innerHTML only from template literals).
    expect(element).not.toMatch(/from\s*["']lit|import\s*\(|unsafeHTML|unsafe-html/);
    expect(element.length).toBeLessThan(120_000);
  });

  it('writes every file, index.html and manifest.json, which readConsoleAssets reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'console-assets-'));
    try {
      await writeConsoleAssets(dir);
      const read = readConsoleAssets(dir);
      expect(read.indexHtml).toBe(assets.indexHtml);
      expect(read.workerPath).toBe(assets.workerPath);
      expect(digest(read)).toEqual(digest(assets));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
