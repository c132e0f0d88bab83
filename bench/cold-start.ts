import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { itemAt } from './arrays';
import { PROJECT_ROOT } from './fixtures';
import { summarize, type Summary } from './stats';

/**
 * Bundles lambdas/entrypoints/authorizer.ts as lib/house-function.ts has CDK
 * do it (aws-cdk-lib/aws-lambda-nodejs runs `esbuild --bundle <entry>
 * --target=node24 --platform=node --format=esm --outfile=index.mjs --minify --keep-names
 * --sourcemap --banner:js=... --main-fields=module,main`, with no externals
 * because bundleAwsSDK is true), through esbuild's API with the same options.
 */
export async function bundleAuthorizer(
  outDir: string,
): Promise<{ file: string; bytes: number; gzipBytes: number; mapBytes: number; bytesByPackage: Record<string, number> }> {
  const file = join(outDir, 'index.mjs');
  const { metafile } = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [join(PROJECT_ROOT, 'lambdas', 'entrypoints', 'authorizer.ts')],
    bundle: true,
    target: 'node24',
    platform: 'node',
    format: 'esm',
    outfile: file,
    minify: true,
    keepNames: true,
    sourcemap: true,
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    metafile: true, // a report on the side; the bundle is the same
  });
  const code = readFileSync(file);
  const byPackage: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const owner = match?.[1] ?? (input.startsWith('lambdas/') ? 'lambdas/ (this project)' : input);
      byPackage[owner] = (byPackage[owner] ?? 0) + bytesInOutput;
    }
  }
  const bytesByPackage = Object.fromEntries(Object.entries(byPackage).sort(([, a], [, b]) => b - a));
  return {
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    mapBytes: statSync(`${file}.map`).size,
    bytesByPackage,
  };
}

/** The environment the deployed authorizer gets (lib/house-function.ts and lib/user-api-keys.ts), minus AWS's own. */
export function lambdaLikeEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: 'api-key-authorizer',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    TABLE_NAME: 'ApiKeys',
    KEY_PREFIX: 'uak',
    VERDICT_CACHE_TTL_SECONDS: '30',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The signer, as the stack configures it; its cold-start key load goes to this machine (and fails at once), never to AWS.
    ASSERTION_ISSUER: 'https://abc123.execute-api.us-east-1.amazonaws.com',
    ASSERTION_AUDIENCE: 'https://internal.example.com',
    ASSERTION_LIFETIME_SECONDS: '120',
    ASSERTION_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
  };
}

export interface ColdStartResult {
  /** Whole fresh `node` process, spawn to exit, loading the bundle and exiting once it is loaded (ms). */
  readonly bundleProcessMs: Summary;
  /** The same for an empty .mjs (ms). */
  readonly emptyProcessMs: Summary;
  /** Per-pair differences bundle - empty (ms). */
  readonly addedMs: Summary;
  /** Per-pair ratios bundle / empty. */
  readonly ratio: Summary;
  /** `await import(bundle)` timed inside the fresh process, which leaves Node's own start-up out (ms). */
  readonly importInProcessMs: Summary;
  /** The same without NODE_OPTIONS=--enable-source-maps (which the deployed functions set): what reading the map costs. */
  readonly importWithoutSourceMapsMs: Summary;
  readonly runs: number;
}

function timeProcess(args: readonly string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return { ms, stdout: result.stdout };
}

/**
 * Fresh-process load times, bundle and empty module alternating (so a busy
 * moment of the machine hits both), after two unrecorded runs of each that
 * warm the file cache.
 */
export function measureColdStart(bundleFile: string, outDir: string, runs: number): ColdStartResult {
  const empty = join(outDir, 'empty.mjs');
  writeFileSync(empty, '');
  const probe = join(outDir, 'import-probe.mjs');
  writeFileSync(
    probe,
    [
      'const start = process.hrtime.bigint();',
      `const mod = await import(${JSON.stringify(pathToFileURL(bundleFile).href)});`,
      'const ms = Number(process.hrtime.bigint() - start) / 1e6;',
      "if (typeof mod.handler !== 'function') throw new Error('no handler export');",
      'process.stdout.write(String(ms));',
    ].join('\n'),
  );
  // Spawn to "module loaded", then exit at once, for the bundle and the empty module alike: left running, the
  // bundle's process would also wait for the signer's first key load, started at import (a request to a closed
  // port here), which Lambda runs beside the rest of the init and does not wait for.
  const loadAndExit = (file: string, name: string) => {
    const script = join(outDir, name);
    writeFileSync(script, `await import(${JSON.stringify(pathToFileURL(file).href)});\nprocess.exit(0);\n`);
    return script;
  };
  const bundleProbe = loadAndExit(bundleFile, 'load-bundle-and-exit.mjs');
  const emptyProbe = loadAndExit(empty, 'load-empty-and-exit.mjs');
  const env = lambdaLikeEnv();
  const envNoMaps = { ...env, NODE_OPTIONS: '' };
  for (let i = 0; i < 2; i += 1) {
    timeProcess([bundleProbe], env);
    timeProcess([emptyProbe], env);
    timeProcess([probe], env);
    timeProcess([probe], envNoMaps);
  }
  const bundle: number[] = [];
  const nothing: number[] = [];
  const imports: number[] = [];
  const importsNoMaps: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    // Alternate which goes first, so neither always follows the other.
    if (i % 2 === 0) {
      bundle.push(timeProcess([bundleProbe], env).ms);
      nothing.push(timeProcess([emptyProbe], env).ms);
    } else {
      nothing.push(timeProcess([emptyProbe], env).ms);
      bundle.push(timeProcess([bundleProbe], env).ms);
    }
    imports.push(Number(timeProcess([probe], env).stdout));
    importsNoMaps.push(Number(timeProcess([probe], envNoMaps).stdout));
  }
  return {
    bundleProcessMs: summarize(bundle),
    emptyProcessMs: summarize(nothing),
    addedMs: summarize(bundle.map((ms, i) => ms - itemAt(nothing, i))),
    ratio: summarize(bundle.map((ms, i) => ms / itemAt(nothing, i))),
    importInProcessMs: summarize(imports),
    importWithoutSourceMapsMs: summarize(importsNoMaps),
    runs,
  };
}
