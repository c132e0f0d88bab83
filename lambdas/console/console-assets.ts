import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The console's static files, as `console/build.ts` makes them and the
 * console function serves them: every file under `/console/`, the page
 * itself, and where the token worker of @auth0/auth0-spa-js lives.
 */
export interface ConsoleAsset {
  /** Its path under `/console/`, e.g. `assets/app-5HQ2XK3C.js` or `user-api-keys.js`. */
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** Named by a hash of its content, so it may be cached for ever. */
  readonly immutable: boolean;
}

export interface ConsoleAssets {
  /** By `path`. */
  readonly files: ReadonlyMap<string, ConsoleAsset>;
  /** The page served at `GET /console`: no inline script or style. */
  readonly indexHtml: string;
  /** The worker auth0-spa-js keeps refresh tokens in (its `workerUrl`), as an absolute path: `/console/assets/...`. */
  readonly workerPath: string;
}

/** `manifest.json` in a folder of built assets: what `writeConsoleAssets` writes and `readConsoleAssets` reads. */
export interface ConsoleManifest {
  readonly indexHtml: string;
  readonly workerPath: string;
  readonly files: readonly { readonly path: string; readonly contentType: string; readonly immutable: boolean }[];
}

export const MANIFEST_FILE = 'manifest.json';
export const INDEX_FILE = 'index.html';

/** The assets a build left in `dir` (the deployed function's bundle folder), read once at start-up. */
export function readConsoleAssets(dir: string): ConsoleAssets {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ConsoleManifest;
  const files = new Map<string, ConsoleAsset>();
  for (const file of manifest.files) {
    files.set(file.path, { ...file, body: readFileSync(join(dir, file.path)) });
  }
  return { files, indexHtml: readFileSync(join(dir, manifest.indexHtml), 'utf8'), workerPath: manifest.workerPath };
}
