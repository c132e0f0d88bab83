import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * How every function of this project is bundled, in one place: lib/house-function.ts hands `houseBundling` to
 * aws-cdk-lib's NodejsFunction (which runs the local esbuild's CLI, no Docker), and `houseEsbuildOptions` is the
 * same build through esbuild's API, for the bundle-size test and the benchmark to build exactly what is deployed.
 */

export const PROJECT_ROOT = join(__dirname, '..');

export interface HouseBundlingOptions {
  /**
   * Ship a source map beside each bundle, and have Node read it at start-up (`NODE_OPTIONS=--enable-source-maps`,
   * `houseRuntimeEnvironment`) so logged stack traces name the TypeScript files and lines. Off (the default), the
   * bundle carries no map and no `sourceMappingURL`, and the cold start skips reading it.
   */
  readonly sourceMaps: boolean;
}

const TARGET = 'node24';
// `module` before `main`: the SDK's ES modules, which esbuild can tree-shake (its `exports` maps already pick them).
const MAIN_FIELDS = ['module', 'main'];
// An ES module bundle of CommonJS packages still calls `require` (Node built-ins): give it one.
const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Packages the deployed bundles get a module of this project for (esbuild's `alias`), each because the package's
 * own code is never used in Lambda; tests and `npm start` load the real packages. Each module says why it is safe.
 */
export const DEPLOYED_MODULE_REPLACEMENTS: Readonly<Record<string, string>> = {
  // The SDK's default credential chain and its STS, SSO and sign-in clients: ~145 KB of each bundle.
  '@aws-sdk/credential-provider-node': 'lambdas/runtime/lambda-credentials.ts',
  // Event-stream (de)serialization, for operations none of our clients has: ~20 KB.
  '@smithy/core/event-streams': 'lambdas/runtime/no-event-streams.ts',
  // The LRU behind DynamoDB's endpoint-discovery cache, and its dependency obliterator: ~7 KB.
  'mnemonist/lru-cache': 'lambdas/runtime/lru-cache.ts',
};

function aliases(): Record<string, string> {
  return Object.fromEntries(Object.entries(DEPLOYED_MODULE_REPLACEMENTS).map(([pkg, file]) => [pkg, join(PROJECT_ROOT, file)]));
}

/**
 * The file of an entry point under lambdas/entrypoints/ (given without extension, as HouseFunction's `entrypoint`):
 * `.ts`, or `.mts` for one that awaits at the top level (TypeScript allows that only in an ES module).
 */
export function entrypointFile(entrypoint: string): string {
  const base = join(PROJECT_ROOT, 'lambdas', 'entrypoints', entrypoint);
  return existsSync(`${base}.mts`) ? `${base}.mts` : `${base}.ts`;
}

/**
 * NodejsFunction's `bundling` for every function: a minified ES module for Node.js 24, class and function names
 * kept (logs say `errorName: "DependencyUnavailableError"`, not "oa"), the pinned SDK bundled rather than the
 * runtime's, the replacements above; a source map only when asked. aws-cdk-lib runs `esbuild --bundle <entry>
 * --target=node24 --platform=node --format=esm --outfile=<asset>/index.mjs --minify [--sourcemap] --keep-names
 * --banner:js=... --main-fields=module,main --alias:...` with no externals (bundleAwsSDK).
 */
export function houseBundling(options: HouseBundlingOptions): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: TARGET,
    minify: true,
    keepNames: true,
    sourceMap: options.sourceMaps,
    // Pinned SDK versions, tested here, rather than whatever the runtime ships.
    bundleAwsSDK: true,
    mainFields: MAIN_FIELDS,
    banner: BANNER,
    // aws-cdk-lib 2.276's BundlingOptions has no `alias`; each item becomes `--alias:<package>=<file>`.
    esbuildArgs: { '--alias': Object.entries(aliases()).map(([pkg, file]) => `${pkg}=${file}`) },
  };
}

/**
 * The same build through esbuild's API: `entrypoint` (as HouseFunction's) to `<outdir>/index.mjs`, and
 * `index.mjs.map` beside it with source maps on. Byte for byte the bundle CDK deploys (test/infra/bundle-size.test.ts).
 */
export function houseEsbuildOptions(entrypoint: string, outdir: string, options: HouseBundlingOptions): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entrypointFile(entrypoint)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    outfile: join(outdir, 'index.mjs'),
    minify: true,
    keepNames: true,
    ...(options.sourceMaps ? { sourcemap: true } : {}),
    banner: { js: BANNER },
    mainFields: MAIN_FIELDS,
    alias: aliases(),
  };
}

/** What a function's environment needs for its bundle: `NODE_OPTIONS=--enable-source-maps` with source maps on, else nothing. */
export function houseRuntimeEnvironment(options: HouseBundlingOptions): Record<string, string> {
  return options.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {};
}
