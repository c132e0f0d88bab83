import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { build } from 'esbuild';
import { entrypointFile, houseEsbuildOptions } from '../lib/bundling';
import { itemAt } from './arrays';
import { BENCH_SECRET_ARN } from './secrets-manager-stub';
import { quantile, summarize, type Summary } from './stats';
import type { StopRegistry } from './stop-registry';

/**
 * Bundles lambdas/entrypoints/authorizer.mts exactly as CDK ships it: the
 * options come from lib/bundling.ts (houseEsbuildOptions, the one place
 * lib/house-function.ts reads them from), with the deployed default of no
 * source map; a metafile on the side for the report (the bundle is the same).
 */
export async function bundleAuthorizer(
  outDir: string,
  entryFile: string = entrypointFile('authorizer'),
): Promise<{ file: string; bytes: number; gzipBytes: number; mapBytes: number; bytesByPackage: Record<string, number> }> {
  const file = join(outDir, 'index.mjs');
  const { metafile } = await build({
    ...houseEsbuildOptions('authorizer', outDir, { sourceMaps: false }),
    entryPoints: [entryFile],
    logLevel: 'silent',
    metafile: true,
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
    mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    bytesByPackage,
  };
}

/**
 * The authorizer's entry point without its warm-up at init (a bounded DynamoDB
 * GetItem for a key that does not exist and one assertion signed, so the
 * connection, credentials and SDK paths are ready before the first request):
 * figure 5 bundles it the same way and measures both, to show what the warm-up buys.
 */
export const WITHOUT_WARM_UP_ENTRY = join(__dirname, 'entries', 'authorizer-without-warm-up.ts');

/** Where the deployed authorizer's table lives in the benchmark's DynamoDB Local: a database of its own (its access key id, its region). */
export const DEPLOYED_TABLE = {
  tableName: 'ApiKeys',
  region: 'us-east-1',
  /** DynamoDB Local keeps one database per access key id and region; it checks no signature. */
  credentials: { accessKeyId: 'BenchDeployedAuthorizer01', secretAccessKey: 'bench' },
} as const;

/** What a fresh authorizer process talks to instead of AWS: all on 127.0.0.1. */
export interface LocalServices {
  /** AWS_ENDPOINT_URL_DYNAMODB: DynamoDB Local (or the counting proxy in front of it). */
  readonly dynamodbEndpoint: string;
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER: bench/secrets-manager-stub.ts, which holds the signing key set. */
  readonly secretsManagerEndpoint: string;
}

/** A port nothing listens on: without LocalServices a call fails at once, and never reaches AWS. */
const CLOSED_PORT = 'http://127.0.0.1:9';

/** Whether a bundle ships a source map: the deployed functions read it at start-up (NODE_OPTIONS) only then. */
export const hasSourceMap = (bundleFile: string): boolean => existsSync(`${bundleFile}.map`);

/**
 * The environment the deployed authorizer gets (lib/house-function.ts and
 * lib/key-api.ts, and the variables Lambda itself sets that the code or its
 * libraries read), minus AWS's credentials: every AWS endpoint is on this
 * machine, DynamoDB Local and the Secrets Manager stand-in when given, a
 * closed port otherwise. `NODE_OPTIONS=--enable-source-maps` goes with a
 * bundle that has a source map, as the functions get it with theirs.
 */
export function lambdaLikeEnv(local?: LocalServices, options: { readonly sourceMaps: boolean } = { sourceMaps: true }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...(options.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    POWERTOOLS_SERVICE_NAME: 'api-key-authorizer',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    TABLE_NAME: DEPLOYED_TABLE.tableName,
    KEY_PREFIX: 'uak',
    VERDICT_CACHE_TTL_SECONDS: '30',
    AWS_REGION: DEPLOYED_TABLE.region,
    AWS_DEFAULT_REGION: DEPLOYED_TABLE.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // What Lambda sets: the metrics are named by the function (lambdas/runtime/authorizer-wiring.ts).
    AWS_LAMBDA_FUNCTION_NAME: 'user-api-keys-authorizer',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    TZ: ':UTC',
    // The signer, as the stack configures it; its key set comes from the stand-in, or fails at once on a closed port.
    ASSERTION_ISSUER: 'https://abc123.execute-api.us-east-1.amazonaws.com',
    ASSERTION_AUDIENCE: 'https://internal.example.com',
    ASSERTION_LIFETIME_SECONDS: '120',
    ASSERTION_SECRET_ARN: BENCH_SECRET_ARN,
    AWS_ACCESS_KEY_ID: DEPLOYED_TABLE.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEPLOYED_TABLE.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: local?.dynamodbEndpoint ?? CLOSED_PORT,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: local?.secretsManagerEndpoint ?? CLOSED_PORT,
  };
}

/** One fresh process's answers (bench's cold-probe.mjs, written next to the bundle). */
interface ProbeReport {
  /** process.hrtime.bigint() when the module had loaded: CLOCK_MONOTONIC, the same clock as the parent's. */
  readonly loadedAt: string;
  readonly importMs: number;
  readonly firstMs?: number;
  readonly warmMs?: number[];
  readonly answeredAt?: string;
}

/** Timings of one fresh process, from the parent's spawn. */
interface ProcessTiming {
  readonly spawnToLoadedMs: number;
  readonly importMs: number;
  readonly firstMs: number;
  readonly warmMedianMs: number;
  readonly spawnToFirstAnswerMs: number;
}

/** Fresh processes loading the bundle and completing verifications, one variant of the environment. */
export interface FreshProcessFigures {
  /** Spawn of `node` to the bundle loaded (its top-level code, and any top-level await, done): Lambda's INIT, as far as Node goes. */
  readonly spawnToLoadedMs: Summary;
  /** Per pair: spawn-to-loaded of the bundle minus that of the empty module in the same round. */
  readonly addedMs: Summary;
  /** Per pair: the same as a ratio. */
  readonly ratioToEmpty: Summary;
  /** `await import(bundle)` timed inside the process (Node's start-up left out). */
  readonly importMs: Summary;
  /** The first handler call after load, for a key not yet cached: one DynamoDB read with the connection set up, and the assertion signed. */
  readonly firstVerificationMs: Summary;
  /** The calls after it in the same process, each for another key not yet cached (per process: their median). */
  readonly warmUncachedMs: Summary;
  /** Per process: first ÷ warm uncached. */
  readonly firstToWarm: Summary;
  /** Spawn to the first answer: what the request that caused the cold start waits for, Node's start-up included. */
  readonly spawnToFirstAnswerMs: Summary;
}

export interface ColdStartResult {
  readonly runs: number;
  /** Verifications after the first in each process (distinct keys, none cached). */
  readonly warmCallsPerProcess: number;
  /** The pause before each of them (the previous call's background write done, as DynamoDB would not make a read wait for it). */
  readonly warmCallPauseMs: number;
  /** Spawn of `node` to an empty .mjs loaded, same environment, same probe script. */
  readonly emptySpawnToLoadedMs: Summary;
  /** The bundle as deployed, its warm-up at init on. */
  readonly deployed: FreshProcessFigures;
  /** The same bundle built from WITHOUT_WARM_UP_ENTRY: what the warm-up buys. */
  readonly withoutWarmUp: FreshProcessFigures;
  /** Whether the bundle ships a source map (and so the processes ran with NODE_OPTIONS=--enable-source-maps). */
  readonly sourceMaps: boolean;
  /** With a source map: import() inside the process without NODE_OPTIONS=--enable-source-maps, what reading the map costs; null without one. */
  readonly importWithoutSourceMapsMs: Summary | null;
}

/**
 * Runs one fresh process of the probe, asynchronously: the Secrets Manager
 * stand-in answers from this process's event loop, which a spawnSync would
 * block. The probe's stdout (the logger's) goes to /dev/null, its report to fd 3.
 */
function runProbe(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stops: StopRegistry,
): Promise<{ spawnedAt: bigint; report: ProbeReport }> {
  return new Promise((resolve, reject) => {
    const spawnedAt = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    stops.trackChild(child);
    let report = '';
    let stderr = '';
    const [, , errors, results] = child.stdio;
    errors?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    results?.on('data', (chunk: Buffer) => (report += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`node ${args.join(' ')} exited ${code ?? 'on a signal'}: ${stderr}`));
        return;
      }
      try {
        resolve({ spawnedAt, report: JSON.parse(report) as ProbeReport });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

const PROBE = `import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [moduleFile, eventsFile, mode, pause] = process.argv.slice(2);
// Read before the clock starts, by every variant alike (the empty module's too).
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const start = process.hrtime.bigint();
const mod = await import(pathToFileURL(moduleFile).href);
const loadedAt = process.hrtime.bigint();
const report = { loadedAt: String(loadedAt), importMs: Number(loadedAt - start) / 1e6 };
if (mode === 'verify') {
  if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');
  const time = async (event) => {
    const callStart = process.hrtime.bigint();
    const answer = await mod.handler(event);
    const ms = Number(process.hrtime.bigint() - callStart) / 1e6;
    if (answer?.isAuthorized !== true || typeof answer.context?.assertion !== 'string') {
      throw new Error('a valid key was not allowed with its assertion: ' + JSON.stringify(answer));
    }
    return ms;
  };
  report.firstMs = await time(events[0]);
  report.answeredAt = String(process.hrtime.bigint());
  report.warmMs = [];
  for (const event of events.slice(1)) {
    // Each after the previous call's background last-used write is done: DynamoDB Local serializes reads behind
    // writes, which DynamoDB does not do for different items.
    await new Promise((resolve) => setTimeout(resolve, Number(pause)));
    report.warmMs.push(await time(event));
  }
}
writeSync(3, JSON.stringify(report));
// At once, as the load-only probes always did: Lambda freezes the process, it does not wait for what is left running.
process.exit(0);
`;

type Variant = 'deployed' | 'withoutWarmUp' | 'empty' | 'noSourceMaps';

export interface ColdStartInput {
  readonly bundleFile: string;
  /** The same bundle built from WITHOUT_WARM_UP_ENTRY. */
  readonly withoutWarmUpBundleFile: string;
  readonly outDir: string;
  readonly runs: number;
  /** Fresh-process verifications: the first and then `events.length - 1` warm uncached ones, keys allowed in the deployed table. */
  readonly events: readonly APIGatewayRequestAuthorizerEventV2[];
  /** The pause before each warm uncached call (none before the first: it comes right after the load, as in Lambda). */
  readonly pauseMs: number;
  readonly local: LocalServices;
  readonly stops: StopRegistry;
}

/**
 * Fresh processes with the deployed environment against DynamoDB Local and
 * the Secrets Manager stand-in: the bundle loaded and verifying (as deployed,
 * and without its warm-up when it has the switch), an empty module loaded
 * (the baseline), and the bundle loaded without source maps. Each round runs
 * every variant once, the order rotating, after two unrecorded rounds that
 * warm the file cache and DynamoDB Local.
 */
export async function measureColdStart(input: ColdStartInput): Promise<ColdStartResult> {
  const { bundleFile, outDir, runs, stops } = input;
  const empty = join(outDir, 'empty.mjs');
  writeFileSync(empty, '');
  const probe = join(outDir, 'cold-probe.mjs');
  writeFileSync(probe, PROBE);
  const eventsFile = join(outDir, 'cold-events.json');
  writeFileSync(eventsFile, JSON.stringify(input.events));
  const sourceMaps = hasSourceMap(bundleFile);
  const env = lambdaLikeEnv(input.local, { sourceMaps });
  const variants: Variant[] = ['deployed', 'withoutWarmUp', 'empty', ...(sourceMaps ? (['noSourceMaps'] as const) : [])];
  const argsOf = (variant: Variant) =>
    variant === 'empty'
      ? [probe, empty, eventsFile, 'load', '0']
      : [
          probe,
          variant === 'withoutWarmUp' ? input.withoutWarmUpBundleFile : bundleFile,
          eventsFile,
          variant === 'noSourceMaps' ? 'load' : 'verify',
          String(input.pauseMs),
        ];
  const envOf = (variant: Variant): NodeJS.ProcessEnv => (variant === 'noSourceMaps' ? { ...env, NODE_OPTIONS: undefined } : env);
  const timing = async (variant: Variant): Promise<ProcessTiming> => {
    const { spawnedAt, report } = await runProbe(argsOf(variant), envOf(variant), stops);
    const warm = [...(report.warmMs ?? [])].sort((a, b) => a - b);
    return {
      spawnToLoadedMs: Number(BigInt(report.loadedAt) - spawnedAt) / 1e6,
      importMs: report.importMs,
      firstMs: report.firstMs ?? Number.NaN,
      warmMedianMs: quantile(warm, 0.5),
      spawnToFirstAnswerMs: report.answeredAt === undefined ? Number.NaN : Number(BigInt(report.answeredAt) - spawnedAt) / 1e6,
    };
  };
  for (let i = 0; i < 2; i += 1) for (const variant of variants) await timing(variant);
  const samples = new Map<Variant, ProcessTiming[]>(variants.map((variant) => [variant, []]));
  for (let round = 0; round < runs; round += 1) {
    // Rotate which goes first, so none always follows another.
    for (let k = 0; k < variants.length; k += 1) {
      const variant = itemAt(variants, (round + k) % variants.length);
      samples.get(variant)?.push(await timing(variant));
    }
  }
  const of = (variant: Variant): ProcessTiming[] => samples.get(variant) ?? [];
  const emptyRuns = of('empty');
  const figures = (variant: Variant): FreshProcessFigures => {
    const timings = of(variant);
    return {
      spawnToLoadedMs: summarize(timings.map((t) => t.spawnToLoadedMs)),
      addedMs: summarize(timings.map((t, i) => t.spawnToLoadedMs - itemAt(emptyRuns, i).spawnToLoadedMs)),
      ratioToEmpty: summarize(timings.map((t, i) => t.spawnToLoadedMs / itemAt(emptyRuns, i).spawnToLoadedMs)),
      importMs: summarize(timings.map((t) => t.importMs)),
      firstVerificationMs: summarize(timings.map((t) => t.firstMs)),
      warmUncachedMs: summarize(timings.map((t) => t.warmMedianMs)),
      firstToWarm: summarize(timings.map((t) => t.firstMs / t.warmMedianMs)),
      spawnToFirstAnswerMs: summarize(timings.map((t) => t.spawnToFirstAnswerMs)),
    };
  };
  return {
    runs,
    warmCallsPerProcess: input.events.length - 1,
    warmCallPauseMs: input.pauseMs,
    emptySpawnToLoadedMs: summarize(emptyRuns.map((t) => t.spawnToLoadedMs)),
    deployed: figures('deployed'),
    withoutWarmUp: figures('withoutWarmUp'),
    sourceMaps,
    importWithoutSourceMapsMs: sourceMaps ? summarize(of('noSourceMaps').map((t) => t.importMs)) : null,
  };
}
