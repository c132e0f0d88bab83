import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const __APIKEY_VERSION__: string | undefined;

/**
 * What `--version` prints: the package's version, set by the build (esbuild's `define`);
 * run from this repository, the project's own version, from its package.json.
 */
export const VERSION: string =
  typeof __APIKEY_VERSION__ !== 'undefined'
    ? __APIKEY_VERSION__
    : (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
