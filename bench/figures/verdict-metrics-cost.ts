/**
 * Figure 9: what counting verdicts for the dashboard (lambdas/observability/verdict-metrics.ts)
 * adds to figure 1's cached allow. Three ops in one interleaved group, so a
 * slow spell of the machine weighs on all alike: the cached authorizer
 * without metrics, the same with them (the real clock: a flush only when a
 * minute turns), one flush on its own (a minute's counts through Powertools'
 * EMF serializer, written to /dev/null as Lambda writes to its log pipe), the
 * cost each instance pays once a minute, and the per-request counting alone
 * (tick and count), which a busy machine's noise cannot hide the way it can
 * hide a small difference between the first two.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { VERDICT_OUTCOMES } from '../../lambdas/observability/verdict-metric-names';
import { VerdictMetrics, verdictMetricsOptions, type MetricsSink } from '../../lambdas/observability/verdict-metrics';
import { itemAt } from '../arrays';
import { expectVerdict, type AuthorizerFactory } from '../authorizers';
import { authorizerEvent, type BenchKey } from '../fixtures';
import type { Progress } from '../output';
import { FIGURE1_CACHE_TTL_SECONDS, type Plan } from '../plan';
import type { Figure9 } from '../results';
import { microGroup, ratioSummary, type MicroResult } from '../stats';

export interface VerdictMetricsCostInput {
  readonly authorizers: AuthorizerFactory;
  readonly tableName: string;
  readonly keys: readonly BenchKey[];
  readonly plan: Pick<Plan, 'micro'>;
  readonly progress: Progress;
}

/** Powertools Metrics whose one line goes to /dev/null: the same serializing, a real write, no output. */
function nullDeviceSink(fd: number): MetricsSink {
  const metrics = new Metrics(verdictMetricsOptions('bench-authorizer'));
  return {
    addMetric: (...args) => metrics.addMetric(...args),
    setTimestamp: (timestamp) => metrics.setTimestamp(timestamp),
    publishStoredMetrics: () => {
      writeSync(fd, `${JSON.stringify(metrics.serializeMetrics())}\n`);
      metrics.clearMetrics();
      return metrics;
    },
  };
}

export async function measureVerdictMetricsCost(input: VerdictMetricsCostInput): Promise<Figure9> {
  const { authorizers, tableName, keys, plan, progress } = input;
  const fd = openSync('/dev/null', 'w');
  try {
    const plain = authorizers(tableName, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS });
    const counted = authorizers(tableName, { verdictCacheTtlSeconds: FIGURE1_CACHE_TTL_SECONDS, metricsSink: nullDeviceSink(fd) });
    const cachedKeys = keys.slice(0, 64);
    const events = Array.from({ length: 256 }, (_, i) => authorizerEvent(`Bearer ${itemAt(cachedKeys, i % cachedKeys.length).key}`));
    for (const event of events) {
      await expectVerdict(plain, event, true);
      await expectVerdict(counted, event, true);
    }

    // A flush of a busy minute: every outcome counted, cache lookups too (what tick() does when a minute turns).
    const lookups = { hits: 0, misses: 0 };
    const flushing = new VerdictMetrics({ sink: nullDeviceSink(fd), cacheLookups: lookups });
    const flushOnce = () => {
      for (const outcome of VERDICT_OUTCOMES) flushing.count(outcome);
      lookups.hits += 10;
      lookups.misses += 1;
      flushing.flush();
    };

    // What counting adds to a request on its own, with the real clock: the signal the ratio above may drown in noise.
    const counting = new VerdictMetrics({ sink: nullDeviceSink(fd) });
    const countOnce = () => {
      counting.tick();
      counting.count('ALLOWED');
    };

    progress(`figure 9: verdict metrics on the cached allow (${plan.micro.rounds} rounds)`);
    const micro = await microGroup(
      [
        { name: 'cachedWithoutMetrics', async: true, run: (i) => plain(itemAt(events, i & 255)) },
        { name: 'cachedWithMetrics', async: true, run: (i) => counted(itemAt(events, i & 255)) },
        { name: 'emfFlush', async: false, run: flushOnce },
        { name: 'countPerRequest', async: false, run: countOnce },
      ],
      plan.micro,
    );
    const result = (name: string): MicroResult => {
      const found = micro.get(name);
      if (found === undefined) throw new Error(`no micro-benchmark result for ${name}`);
      return found;
    };
    const without = result('cachedWithoutMetrics');
    const withMetrics = result('cachedWithMetrics');
    return {
      cachedWithoutMetricsNs: without.perCallNs,
      cachedWithMetricsNs: withMetrics.perCallNs,
      ratioWithToWithout: ratioSummary(withMetrics, without),
      emfFlushNs: result('emfFlush').perCallNs,
      countPerRequestNs: result('countPerRequest').perCallNs,
      outcomesPerFlush: VERDICT_OUTCOMES.length,
      batchSizes: Object.fromEntries([...micro].map(([name, r]) => [name, r.batch])),
    };
  } finally {
    closeSync(fd);
  }
}
