import { itemAt } from '../arrays';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { expectVerdict, sleep, type AuthorizerFactory, type Handler } from '../authorizers';
import type { DynamoCounter } from '../dynamo-counter';
import type { Progress } from '../output';
import type { Plan } from '../plan';
import type { Figure7 } from '../results';
import type { StopRegistry } from '../stop-registry';
import { scaleSummary, summarize } from '../stats';
import type { BenchTables } from '../tables';
import { probeCacheMemory } from './cache-memory';

export interface ScaleInput {
  readonly authorizers: AuthorizerFactory;
  readonly counter: DynamoCounter;
  readonly tables: BenchTables;
  readonly plan: Plan['scale'];
  readonly stops: StopRegistry;
  readonly progress: Progress;
}

/**
 * Figure 7: does a verification slow down as the table grows? The same
 * uncached authorizer over a small and a large table, calls interleaved
 * (which table goes first alternates) so neither always follows the other;
 * then 7b, the verdict cache's memory at its bound.
 */
export async function measureScale(input: ScaleInput): Promise<Figure7> {
  const { counter, tables, plan, progress } = input;
  progress(`figure 7: ${plan.small.toLocaleString('en-US')} vs ${plan.large.toLocaleString('en-US')} keys, calls interleaved`);
  const smallAuthorizer = input.authorizers(tables.small.name, { verdictCacheTtlSeconds: 0 });
  const largeAuthorizer = input.authorizers(tables.large.name, { verdictCacheTtlSeconds: 0 });
  // Warm-up: every sampled key once (its one background last-used write happens here, not in the samples).
  for (const event of tables.smallEvents) await expectVerdict(smallAuthorizer, event, true);
  for (const event of tables.largeEvents) await expectVerdict(largeAuthorizer, event, true);
  await sleep(2000);
  counter.reset();
  const smallSamples: number[] = [];
  const largeSamples: number[] = [];
  for (let i = 0; i < plan.calls; i += 1) {
    const small = () => timeOne(smallAuthorizer, itemAt(tables.smallEvents, i % tables.smallEvents.length), smallSamples);
    const large = () => timeOne(largeAuthorizer, itemAt(tables.largeEvents, i % tables.largeEvents.length), largeSamples);
    if (i % 2 === 0) {
      await small();
      await large();
    } else {
      await large();
      await small();
    }
  }
  const dynamoDbDuringSamples = counter.snapshot();
  const smallMs = scaleSummary(summarize(smallSamples), 1e-6);
  const largeMs = scaleSummary(summarize(largeSamples), 1e-6);

  progress('figure 7b: verdict cache memory at its bound (child process with --expose-gc)');
  const memory = await probeCacheMemory(input.stops);
  return {
    smallTableKeys: plan.small,
    largeTableKeys: plan.large,
    sampledKeysPerTable: plan.sample,
    seedSeconds: { small: tables.small.seedSeconds, large: tables.large.seedSeconds },
    seeding: {
      concurrency: tables.large.concurrency,
      itemsWritten: tables.large.itemsWritten,
      itemsPerSecond: tables.large.itemsPerSecond,
    },
    smallMs,
    largeMs,
    largeToSmallMedian: largeMs.median / smallMs.median,
    dynamoDbDuringSamples,
    memory,
  };
}

async function timeOne(handler: Handler, event: APIGatewayRequestAuthorizerEventV2, into: number[]): Promise<void> {
  const start = process.hrtime.bigint();
  await handler(event);
  into.push(Number(process.hrtime.bigint() - start));
}
