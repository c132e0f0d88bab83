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
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Registers a stop for whatever this starts (the caller stops everything, even on error). */
  readonly onStart: (stop: () => Promise<void>) => void;
  readonly progress: (line: string) => void;
}

export interface GatewayLoadResult {
  /** Both halves together: requests/s over their total time; p50 the mean of the halves', p99 and max the worse. */
  readonly health: LoadRun;
  readonly whoami: LoadRun;
  readonly runs: { health: LoadRun[]; whoami: LoadRun[] };
  readonly connections: number;
  readonly durationSeconds: number;
  readonly authorizerCacheTtlSeconds: number;
}

function combine(a: LoadRun, b: LoadRun): LoadRun {
  const requestsTotal = a.requestsTotal + b.requestsTotal;
  const durationSeconds = a.durationSeconds + b.durationSeconds;
  return {
    requestsPerSecond: requestsTotal / durationSeconds,
    requestsPerSecondStddev: Math.max(a.requestsPerSecondStddev, b.requestsPerSecondStddev),
    requestsTotal,
    latencyMs: {
      p50: (a.latencyMs.p50 + b.latencyMs.p50) / 2,
      p90: Math.max(a.latencyMs.p90, b.latencyMs.p90),
      p99: Math.max(a.latencyMs.p99, b.latencyMs.p99),
      mean: (a.latencyMs.mean * a.requestsTotal + b.latencyMs.mean * b.requestsTotal) / requestsTotal,
      max: Math.max(a.latencyMs.max, b.latencyMs.max),
    },
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    durationSeconds,
    gatewayCpuMicrosPerRequest:
      ((a.gatewayCpuMicrosPerRequest ?? 0) * a.requestsTotal + (b.gatewayCpuMicrosPerRequest ?? 0) * b.requestsTotal) / requestsTotal,
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
  // Each route gets durationSeconds in two halves, in the order health, whoami, whoami, health,
  // so a slow spell of the machine (shared, 2 cores) weighs on both alike.
  const half = options.durationSeconds / 2;
  options.progress(`  GET /health and GET /whoami, ${half} s each, twice (ABBA), ${options.connections} connections`);
  const health1 = await run('/health', {}, half);
  const whoami1 = await run('/whoami', whoamiHeaders, half);
  const whoami2 = await run('/whoami', whoamiHeaders, half);
  const health2 = await run('/health', {}, half);
  return {
    health: combine(health1, health2),
    whoami: combine(whoami1, whoami2),
    runs: { health: [health1, health2], whoami: [whoami1, whoami2] },
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
  };
}
