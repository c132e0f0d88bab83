import { itemAt } from '../arrays';
import { expectVerdict, sleep, type AuthorizerFactory } from '../authorizers';
import type { DynamoCounter } from '../dynamo-counter';
import { authorizerEvent, type BenchKey } from '../fixtures';
import type { Progress } from '../output';
import type { Plan } from '../plan';
import type { Figure2 } from '../results';
import { scaleSummary, summarize, timeEach } from '../stats';

export interface UncachedInput {
  readonly authorizers: AuthorizerFactory;
  readonly counter: DynamoCounter;
  readonly tableName: string;
  /** The one key verified over and over. */
  readonly key: BenchKey;
  readonly plan: Plan['figure2'];
  readonly progress: Progress;
}

/**
 * Figure 2: no verdict cache, so one GetItem against DynamoDB Local per call,
 * each call timed on its own; the DynamoDB calls are counted to show the
 * request path reads once and writes nothing (the last-used write is in the
 * background, once per key per minute: the warm-up takes it).
 */
export async function measureUncachedDynamoDb(input: UncachedInput): Promise<Figure2> {
  const { counter, plan } = input;
  input.progress(`figure 2: uncached verification against DynamoDB Local (${plan.calls} calls)`);
  const uncached = input.authorizers(input.tableName, { verdictCacheTtlSeconds: 0 });
  const events = Array.from({ length: 64 }, () => authorizerEvent(`Bearer ${input.key.key}`));
  counter.reset();
  for (let i = 0; i < plan.warmup; i += 1) await expectVerdict(uncached, itemAt(events, i & 63), true);
  await sleep(500); // let the warm-up's one background last-used write finish
  const warmupCounts = counter.snapshot();
  counter.reset();
  const samples = await timeEach(plan.calls, (i) => uncached(itemAt(events, i & 63)));
  await sleep(200);
  const counts = counter.snapshot();
  return {
    perCallMs: scaleSummary(summarize(samples), 1e-6),
    verifications: plan.calls,
    readsPerVerification: counts.reads / plan.calls,
    writesPerVerification: counts.writes / plan.calls,
    warmupCalls: plan.warmup,
    dynamoDbDuringWarmup: warmupCounts,
    dynamoDbDuringSamples: counts,
  };
}
