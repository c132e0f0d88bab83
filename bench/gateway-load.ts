import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_KEY_POLICY } from '../lambdas/domain/key-policy';
import type { AppLogger } from '../lambdas/observability/logger';
import { startLocalSystem, type LocalSystem } from '../local/local-system';
import { LOCAL_AUDIENCE } from '../local/settings';
import { ensureTable } from '../local/table';
import { itemAt } from './arrays';
import { KEY_PREFIX, makeKeys, seedKeys } from './fixtures';
import { NO_ROUTE_SCOPES } from '../lambdas/domain/route-scopes';

export interface LoadRun {
  readonly requestsPerSecond: number;
  readonly requestsPerSecondStddev: number;
  readonly requestsTotal: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly durationSeconds: number;
  /** CPU time (user + system) of the process running the gateway, per request answered. */
  readonly gatewayCpuMicrosPerRequest?: number;
}

export interface GatewayLoadOptions {
  readonly dynamodbEndpoint: string;
  /** A document client on the same DynamoDB Local, to put the key in. */
  readonly client: DynamoDBDocumentClient;
  readonly logger: AppLogger;
  readonly authorizerCacheTtlSeconds: number;
  readonly connections: number;
  /** Runs of one route each, ABBA: health, whoami, whoami, health, health, whoami, ... (an even number). */
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly warmupSeconds: number;
  /** Registers a stop for whatever this starts (the caller stops everything, even on error). */
  readonly onStart: (stop: () => Promise<void>) => void;
  readonly progress: (line: string) => void;
}

export interface GatewayLoadResult {
  /** Every round of the route together: requests/s over their total time; p50 the mean of the rounds', p99 and max the worst. */
  readonly health: LoadRun;
  readonly whoami: LoadRun;
  /** Every round, in the order run. */
  readonly rounds: { readonly route: 'health' | 'whoami'; readonly run: LoadRun }[];
  /** /whoami ÷ /health requests/s, one per pair of adjacent rounds (1–2, 3–4, ...), in order. */
  readonly pairRatios: number[];
  readonly connections: number;
  readonly roundSeconds: number;
  readonly authorizerCacheTtlSeconds: number;
}

function combine(runs: readonly LoadRun[]): LoadRun {
  const requestsTotal = runs.reduce((sum, r) => sum + r.requestsTotal, 0);
  const durationSeconds = runs.reduce((sum, r) => sum + r.durationSeconds, 0);
  const cpu = runs.reduce((sum, r) => sum + (r.gatewayCpuMicrosPerRequest ?? 0) * r.requestsTotal, 0);
  const max = (pick: (r: LoadRun) => number) => Math.max(...runs.map(pick));
  return {
    requestsPerSecond: requestsTotal / durationSeconds,
    requestsPerSecondStddev: max((r) => r.requestsPerSecondStddev),
    requestsTotal,
    latencyMs: {
      p50: runs.reduce((sum, r) => sum + r.latencyMs.p50, 0) / runs.length,
      p90: max((r) => r.latencyMs.p90),
      p99: max((r) => r.latencyMs.p99),
      mean: runs.reduce((sum, r) => sum + r.latencyMs.mean * r.requestsTotal, 0) / requestsTotal,
      max: max((r) => r.latencyMs.max),
    },
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    timeouts: runs.reduce((sum, r) => sum + r.timeouts, 0),
    durationSeconds,
    gatewayCpuMicrosPerRequest: cpu / Math.max(1, requestsTotal),
  };
}

/** autocannon in a child process (see load-child.mjs); the child is killed if the caller's cleanup runs first. */
function runAutocannon(
  url: string,
  headers: Record<string, string>,
  connections: number,
  durationSeconds: number,
  onStart: (stop: () => Promise<void>) => void,
): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(__dirname, 'load-child.mjs'), JSON.stringify({ url, headers, connections, durationSeconds })],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    onStart(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return Promise.resolve();
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited ${code}: ${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as LoadRun);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

/**
 * Figure 6: the local gateway (the same handlers, API Gateway's authorizer
 * semantics and cache) with the TTL as deployed and throttling off; GET
 * /whoami with a valid key against GET /health, which passes no authorizer.
 */
export async function measureGateway(options: GatewayLoadOptions): Promise<GatewayLoadResult> {
  const tableName = 'BenchGateway';
  const system: LocalSystem = await startLocalSystem({
    port: 0,
    keys: { tableName, keyPrefix: KEY_PREFIX, policy: DEFAULT_KEY_POLICY, routeScopes: NO_ROUTE_SCOPES },
    dynamodb: { endpoint: options.dynamodbEndpoint },
    identity: { devPort: 0, audience: LOCAL_AUDIENCE },
    authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
    throttle: false,
    logger: options.logger,
  });
  options.onStart(() => system.stop());
  await ensureTable(options.client, tableName);
  const key = itemAt(makeKeys(6_000, 1, Date.now()), 0);
  await seedKeys(options.client, tableName, [key.stored]);

  const whoamiHeaders = { authorization: `Bearer ${key.key}` };
  const check = await fetch(`${system.gatewayUrl}/whoami`, { headers: whoamiHeaders });
  if (check.status !== 200) throw new Error(`GET /whoami with a valid key answered ${check.status}: ${await check.text()}`);

  /** Also the CPU time this process (the gateway, alone at work here) spent per request. */
  const run = async (path: string, headers: Record<string, string>, seconds: number): Promise<LoadRun> => {
    const cpuBefore = process.cpuUsage();
    const result = await runAutocannon(`${system.gatewayUrl}${path}`, headers, options.connections, seconds, options.onStart);
    const cpu = process.cpuUsage(cpuBefore);
    return { ...result, gatewayCpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, result.requestsTotal) };
  };

  options.progress(`  warm-up ${options.warmupSeconds} s per route`);
  await run('/health', {}, options.warmupSeconds);
  await run('/whoami', whoamiHeaders, options.warmupSeconds);
  // ABBA: health, whoami, whoami, health, health, whoami, ... so a slow spell of the machine (shared, 2 cores) weighs on
  // both routes alike and neither always goes first; each pair of adjacent rounds gives one ratio.
  options.progress(
    `  GET /health and GET /whoami, ${options.rounds} rounds of ${options.roundSeconds} s (ABBA), ${options.connections} connections`,
  );
  const rounds: GatewayLoadResult['rounds'] = [];
  for (let i = 0; i < options.rounds; i += 1) {
    const route = [0, 3].includes(i % 4) ? 'health' : 'whoami';
    rounds.push({
      route,
      run: await run(route === 'health' ? '/health' : '/whoami', route === 'health' ? {} : whoamiHeaders, options.roundSeconds),
    });
  }
  const pairRatios: number[] = [];
  for (let i = 0; i + 1 < rounds.length; i += 2) {
    const pair = [rounds[i], rounds[i + 1]];
    const health = pair.find((r) => r?.route === 'health')?.run.requestsPerSecond ?? Number.NaN;
    const whoami = pair.find((r) => r?.route === 'whoami')?.run.requestsPerSecond ?? Number.NaN;
    pairRatios.push(whoami / health);
  }
  const of = (route: 'health' | 'whoami') => combine(rounds.filter((r) => r.route === route).map((r) => r.run));
  return {
    health: of('health'),
    whoami: of('whoami'),
    rounds,
    pairRatios,
    connections: options.connections,
    roundSeconds: options.roundSeconds,
    authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
  };
}
