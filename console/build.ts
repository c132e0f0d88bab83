/**
 * Builds the console's static files (esbuild, in memory): the drop-in element, the page app,
 * its stylesheet and icon, and auth0-spa-js's token worker. Everything but `user-api-keys.js`
 * (a stable URL for other sites to load) is named by a hash of its content. Same sources,
 * same bytes, same names.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { INDEX_FILE, MANIFEST_FILE, type ConsoleAsset, type ConsoleAssets, type ConsoleManifest } from '../lambdas/console/console-assets';

const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'console', 'src');
const WORKER_SOURCE = join(ROOT, 'node_modules', '@auth0', 'auth0-spa-js', 'dist', 'auth0-spa-js.worker.production.js');

/** Where the console is served; every URL in the page is absolute under it. */
export const CONSOLE_BASE = '/console';
export const ELEMENT_FILE = 'user-api-keys.js';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SVG = 'image/svg+xml';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 10 base32 characters (50 bits) of the content's SHA-256. */
export function contentHash(body: Uint8Array): string {
  const digest = createHash('sha256').update(body).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 10) {
      out += BASE32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
    if (out.length === 10) break;
  }
  return out;
}

function hashed(stem: string, extension: string, contentType: string, body: Buffer): ConsoleAsset {
  return { path: `assets/${stem}-${contentHash(body)}.${extension}`, contentType, body, immutable: true };
}

/** The two bundles and the stylesheet, minified, each self-contained (Lit, and for the app auth0-spa-js, inside). */
async function bundles(): Promise<{ element: Buffer; app: Buffer; css: Buffer }> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: {
      element: join(SRC, 'index.ts'),
      app: join(SRC, 'console-app.ts'),
      console: join(SRC, 'console.css'),
    },
    outdir: join(ROOT, 'console', 'out'),
    bundle: true,
    splitting: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    write: false,
    charset: 'utf8',
    legalComments: 'eof',
    tsconfig: join(ROOT, 'console', 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const output = (name: string): Buffer => {
    const file = result.outputFiles.find((candidate) => basename(candidate.path) === name);
    if (file === undefined) throw new Error(`esbuild made no ${name}`);
    return Buffer.from(file.contents);
  };
  return { element: output('element.js'), app: output('app.js'), css: output('console.css') };
}

/** auth0-spa-js's worker as published, without its source-map comment (the map is not served). */
async function worker(): Promise<Buffer> {
  const source = await readFile(WORKER_SOURCE, 'utf8');
  return Buffer.from(source.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

function page(files: { app: ConsoleAsset; css: ConsoleAsset; icon: ConsoleAsset }): string {
  const url = (asset: ConsoleAsset) => `${CONSOLE_BASE}/${asset.path}`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>API keys</title>
    <link rel="icon" href="${url(files.icon)}" type="image/svg+xml" />
    <link rel="stylesheet" href="${url(files.css)}" />
    <script type="module" src="${url(files.app)}"></script>
  </head>
  <body>
    <noscript><p>The API keys console needs JavaScript. Without it, manage your keys with the apikey command or the API itself.</p></noscript>
    <main><p>Loading…</p></main>
  </body>
</html>
`;
}

export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  const [built, workerBody, iconBody] = await Promise.all([bundles(), worker(), readFile(join(SRC, 'icon.svg'))]);
  const element: ConsoleAsset = { path: ELEMENT_FILE, contentType: JS, body: built.element, immutable: false };
  const app = hashed('app', 'js', JS, built.app);
  const css = hashed('console', 'css', CSS, built.css);
  const icon = hashed('icon', 'svg', SVG, iconBody);
  const tokenWorker = hashed('auth0-worker', 'js', JS, workerBody);
  const files = new Map<string, ConsoleAsset>([element, app, css, icon, tokenWorker].map((asset) => [asset.path, asset]));
  return { files, indexHtml: page({ app, css, icon }), workerPath: `${CONSOLE_BASE}/${tokenWorker.path}` };
}

/** Writes every file, `index.html` and `manifest.json` into `dir`, as `readConsoleAssets(dir)` reads them. */
export async function writeConsoleAssets(dir: string): Promise<void> {
  const assets = await buildConsoleAssets();
  for (const asset of assets.files.values()) {
    const target = join(dir, asset.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, asset.body);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, INDEX_FILE), assets.indexHtml);
  const manifest: ConsoleManifest = {
    indexHtml: INDEX_FILE,
    workerPath: assets.workerPath,
    files: [...assets.files.values()].map(({ path, contentType, immutable }) => ({ path, contentType, immutable })),
  };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
