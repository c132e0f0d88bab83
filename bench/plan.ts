import { availableParallelism } from 'node:os';

/** How long each figure samples, and the settings the figures share. --quick shortens everything (figures not comparable). */
export interface Plan {
  readonly quick: boolean;
  readonly dynamoWarmupSeconds: number;
  readonly micro: { readonly warmupMs: number; readonly batchMs: number; readonly rounds: number };
  readonly figure2: { readonly warmup: number; readonly calls: number };
  readonly rejectionCountPass: number;
  readonly coldStartRuns: number;
  /** Figure 1's deployed bundle, in its child process: the same micro-benchmark settings as the in-process group. */
  readonly deployed: { readonly warmupMs: number; readonly batchMs: number; readonly rounds: number };
  /** Calls after the first in each fresh process of figure 5, each for a key not yet cached: the warm uncached verification. */
  readonly coldStartWarmCalls: number;
  /** Figure 11: rounds of `apikey --version` and `node -e 0`, one spawn of each per round. */
  readonly cliVersionRuns: number;
  /**
   * Figure 6: `rounds` runs of `roundSeconds` each, alternating routes ABBA (health, whoami, whoami, health, ...);
   * one ratio per pair of adjacent rounds. More connections than cores, so neither side idles.
   */
  readonly gateway: {
    readonly connections: number;
    readonly rounds: number;
    readonly roundSeconds: number;
    readonly warmupSeconds: number;
  };
  /** Figure 7: `large` keys seeded with `seedConcurrency` BatchWriteItem calls in flight. */
  readonly scale: {
    readonly small: number;
    readonly large: number;
    readonly sample: number;
    readonly calls: number;
    readonly seedConcurrency: number;
  };
}

export function benchPlan(quick: boolean): Plan {
  return {
    quick,
    dynamoWarmupSeconds: quick ? 1 : 3,
    micro: { warmupMs: quick ? 200 : 600, batchMs: 4, rounds: quick ? 60 : 300 },
    figure2: { warmup: quick ? 50 : 200, calls: quick ? 200 : 1000 },
    rejectionCountPass: quick ? 2_000 : 20_000,
    coldStartRuns: quick ? 5 : 15,
    deployed: { warmupMs: quick ? 200 : 600, batchMs: 4, rounds: quick ? 60 : 300 },
    coldStartWarmCalls: 10,
    cliVersionRuns: quick ? 10 : 40,
    gateway: {
      connections: Math.max(8, 4 * availableParallelism()),
      rounds: quick ? 6 : 12,
      roundSeconds: quick ? 1.5 : 4,
      warmupSeconds: quick ? 1 : 2,
    },
    scale: { small: 1_000, large: quick ? 10_000 : 1_000_000, sample: 500, calls: quick ? 300 : 1000, seedConcurrency: 16 },
  };
}

/**
 * Cache on for figure 1. Deployed it is half the revocation delay (30 s of 60); longer here so no entry expires mid-run.
 * The cache is switched on through the wiring's `verdictCacheTtlSeconds` (lambdas/runtime/authorizer-wiring.ts);
 * figure 1 checks, by counting DynamoDB reads, that it really took effect.
 */
export const FIGURE1_CACHE_TTL_SECONDS = 300;
/** Figure 6 sets the revocation delay as deployed; the local system splits it between gateway and instance caches. */
export const GATEWAY_REVOCATION_DELAY_SECONDS = 60;
/** lib/user-api-keys.ts gives the authorizer 512 MB. */
export const AUTHORIZER_MEMORY_MB = 512;
