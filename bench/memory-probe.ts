/**
 * Figure 7b, run in its own `node --expose-gc` process (bench/figures/cache-memory.ts
 * spawns it): how much heap the authorizer's in-instance verdict cache holds when
 * filled to its bound, and the same for the last-used recorder's bookkeeping.
 *
 * The authorizer is built exactly as in Lambda (authorizerDependencies), over
 * a stand-in document client that answers GetItem from a Map in this process
 * (a fresh JSON parse per read, as the SDK would produce), so tens of
 * thousands of distinct keys can be pushed through in a second. Prints one
 * JSON object on stdout.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_KEY_POLICY } from '../lambdas/domain/key-policy';
import { createAuthorizerHandler } from '../lambdas/handlers/authorizer';
import type { AppLogger } from '../lambdas/observability/logger';
import { authorizerDependencies } from '../lambdas/runtime/authorizer-wiring';
import type { Wiring } from '../lambdas/runtime/wiring';
import { toItem } from '../lambdas/store/item-mapping';
import { TABLE } from '../lambdas/store/table-schema';
import { seededRandom } from '../test/support/seeded-random';
import { authorizerEvent, KEY_PREFIX, makeKey } from './fixtures';
import type { BoundProbe, MemoryProbe } from './results';
import { NO_ROUTE_SCOPES } from '../lambdas/domain/route-scopes';

const PROBE_KEYS = Number(process.env.BENCH_MEMORY_PROBE_KEYS ?? 25_000);
const CACHE_TTL_SECONDS = Number(process.env.BENCH_VERDICT_CACHE_TTL_SECONDS ?? 30);
const NOW_MS = Date.now();

const exposedGc = (globalThis as { gc?: () => void }).gc;
if (exposedGc === undefined) {
  throw new Error('memory-probe needs node --expose-gc');
}
const gc: () => void = exposedGc;

const silent: AppLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

// The table, as JSON text per key id: nothing a verdict could share strings with.
const table = new Map<string, string>();
for (let i = 0; i < PROBE_KEYS; i += 1) {
  const { stored } = makeKey(seededRandom(7_000_000 + i), i, NOW_MS);
  table.set(stored.keyId, JSON.stringify(toItem(stored)));
}
/** Key i, rebuilt on demand so the probe itself holds no key strings. */
const headerFor = (i: number): string => `Bearer ${makeKey(seededRandom(7_000_000 + i), i, NOW_MS).key}`;

let reads = 0;
let writes = 0;
const client = {
  send: (command: unknown): Promise<{ Item?: Record<string, unknown> | undefined }> => {
    if (command instanceof GetCommand) {
      reads += 1;
      const json = table.get(String(command.input.Key?.[TABLE.partitionKey]));
      return Promise.resolve({ Item: json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>) });
    }
    writes += 1;
    return Promise.resolve({});
  },
} as unknown as DynamoDBDocumentClient;

type BenchWiring = Wiring & { verdictCacheTtlSeconds?: number; recordLastUsed?: boolean };
const wiring = (extra: Partial<BenchWiring>): BenchWiring => ({
  keys: { tableName: 'BenchMemory', keyPrefix: KEY_PREFIX, policy: DEFAULT_KEY_POLICY, routeScopes: NO_ROUTE_SCOPES },
  client,
  logger: silent,
  ...extra,
});

function heapAfterGc(): { heapUsed: number; external: number } {
  for (let i = 0; i < 4; i += 1) gc();
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, external: usage.external };
}

async function expectAllowed(handler: ReturnType<typeof createAuthorizerHandler>, i: number): Promise<void> {
  const result = await handler(authorizerEvent(headerFor(i)));
  if (!result.isAuthorized) throw new Error(`key ${i} was refused`);
}

/**
 * Pushes PROBE_KEYS distinct valid keys through a fresh authorizer, measures
 * the heap it retains after full GCs, then finds how many entries it held by
 * re-presenting keys newest first until one costs a DynamoDB call again
 * (`remembered` tells, from the counters, whether a call was served from memory).
 */
async function probe(extra: Partial<BenchWiring>, remembered: (before: { reads: number; writes: number }) => boolean): Promise<BoundProbe> {
  // Warm the code paths on a throw-away instance so JIT code is not counted.
  const warm = createAuthorizerHandler(authorizerDependencies(wiring(extra)));
  for (let i = 0; i < 200; i += 1) await expectAllowed(warm, i);

  const before = heapAfterGc();
  const handler = createAuthorizerHandler(authorizerDependencies(wiring(extra)));
  for (let i = 0; i < PROBE_KEYS; i += 1) await expectAllowed(handler, i);
  await new Promise((resolve) => setImmediate(resolve));
  const after = heapAfterGc();

  let held = 0;
  for (let i = PROBE_KEYS - 1; i >= 0; i -= 1) {
    const counters = { reads, writes };
    await expectAllowed(handler, i);
    if (!remembered(counters)) break;
    held += 1;
  }
  const heapDeltaBytes = after.heapUsed - before.heapUsed;
  return {
    entriesAtBound: held,
    boundReached: held < PROBE_KEYS,
    heapDeltaBytes,
    externalDeltaBytes: after.external - before.external,
    bytesPerEntry: held > 0 ? heapDeltaBytes / held : null,
    keysPushedThrough: PROBE_KEYS,
  };
}

async function main(): Promise<void> {
  // The verdict cache alone: last-used bookkeeping off, so its map is not counted here.
  const verdictCache = await probe(
    { verdictCacheTtlSeconds: CACHE_TTL_SECONDS, recordLastUsed: false },
    (before) => reads === before.reads,
  );
  // The last-used recorder alone (cache off): it remembers which keys it wrote in the last minute.
  const lastUsed = await probe({ verdictCacheTtlSeconds: 0 }, (before) => writes === before.writes);
  const result: MemoryProbe = { verdictCache, lastUsedRecorder: lastUsed, cacheTtlSeconds: CACHE_TTL_SECONDS, node: process.version };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
