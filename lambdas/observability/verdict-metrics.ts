import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  AUTHORIZER_SERVICE_NAME,
  CACHE_METRIC_NAMES,
  FUNCTION_NAME_DIMENSION,
  VERDICT_METRIC_NAMES,
  VERDICT_METRICS_NAMESPACE,
  VERDICT_OUTCOMES,
  type VerdictOutcome,
} from './verdict-metric-names';

/** What VerdictMetrics needs of Powertools Metrics (a fake in tests). */
export type MetricsSink = Pick<Metrics, 'addMetric' | 'setTimestamp' | 'publishStoredMetrics'>;

/** Running totals of verdict-cache lookups, kept by the cache itself (VerdictCache). */
export interface CacheLookupCounts {
  readonly hits: number;
  readonly misses: number;
}

export interface VerdictMetricsOptions {
  readonly sink: MetricsSink;
  readonly cacheLookups?: CacheLookupCounts | undefined;
  /** Milliseconds since the epoch; a fake clock in tests. */
  readonly now?: (() => number) | undefined;
  /** One CloudWatch period: counts are flushed per interval, aligned to the clock. */
  readonly intervalMs?: number | undefined;
}

/** CloudWatch's standard resolution: finer intervals would only add log lines. */
export const DEFAULT_FLUSH_INTERVAL_MS = 60_000;

/**
 * Counts the authorizer's outcomes and writes them as one EMF log line per
 * minute (when anything happened), instead of a Powertools metric per request.
 *
 * Why: a cached allow costs a few microseconds, and Powertools' per-request
 * path (addMetric, then publishStoredMetrics: an object per metric, the EMF
 * document, JSON.stringify, a stdout write) would cost more than the verdict.
 * Here a request costs one clock read and one compare (`tick`) and one
 * increment of a preallocated counter (`count`); nothing is allocated. Each
 * minute that saw requests is flushed by the first invocation after it ends,
 * stamped with the minute's start, so CloudWatch files the counts under the
 * minute they happened in, however late the flush. An idle instance therefore
 * holds its last minute until its next request.
 *
 * At shutdown: Lambda sends the runtime SIGTERM only when an extension is
 * registered (https://github.com/aws-samples/graceful-shutdown-with-aws-lambda);
 * the entry point then flushes (flushOnShutdown). Without an extension the
 * process is stopped without notice, and the counts of the instance's last
 * minute (at most one minute, one instance) are lost: a dashboard figure, not
 * a decision, so that is accepted rather than writing a line per request.
 */
export class VerdictMetrics {
  private readonly sink: MetricsSink;
  private readonly cacheLookups: CacheLookupCounts | undefined;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly counts = Object.fromEntries(VERDICT_OUTCOMES.map((outcome) => [outcome, 0])) as Record<VerdictOutcome, number>;
  private intervalStartMs: number;
  private intervalEndMs: number;
  private flushedHits: number;
  private flushedMisses: number;

  constructor(options: VerdictMetricsOptions) {
    this.sink = options.sink;
    this.cacheLookups = options.cacheLookups;
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.intervalStartMs = this.startOfInterval(this.now());
    this.intervalEndMs = this.intervalStartMs + this.intervalMs;
    this.flushedHits = this.cacheLookups?.hits ?? 0;
    this.flushedMisses = this.cacheLookups?.misses ?? 0;
  }

  /** At the start of each invocation: once an interval has ended, its counts are written before anything of the new one. */
  tick(): void {
    const now = this.now();
    if (now < this.intervalEndMs) return;
    this.flush();
    this.intervalStartMs = this.startOfInterval(now);
    this.intervalEndMs = this.intervalStartMs + this.intervalMs;
  }

  count(outcome: VerdictOutcome): void {
    this.counts[outcome] += 1;
  }

  /** Writes what the current interval counted, if anything, as one EMF line, and starts counting afresh. */
  flush(): void {
    let counted = false;
    for (const outcome of VERDICT_OUTCOMES) {
      const value = this.counts[outcome];
      if (value === 0) continue;
      this.sink.addMetric(VERDICT_METRIC_NAMES[outcome], MetricUnit.Count, value);
      this.counts[outcome] = 0;
      counted = true;
    }
    if (this.cacheLookups !== undefined) {
      const { hits, misses } = this.cacheLookups;
      if (hits !== this.flushedHits || misses !== this.flushedMisses) {
        // Both, zero or not, so the hit rate's division always has its two terms.
        this.sink.addMetric(CACHE_METRIC_NAMES.hits, MetricUnit.Count, hits - this.flushedHits);
        this.sink.addMetric(CACHE_METRIC_NAMES.misses, MetricUnit.Count, misses - this.flushedMisses);
        this.flushedHits = hits;
        this.flushedMisses = misses;
        counted = true;
      }
    }
    if (!counted) return; // nothing to say: no line (Powertools would warn about an empty one)
    this.sink.setTimestamp(this.intervalStartMs);
    this.sink.publishStoredMetrics();
  }

  private startOfInterval(ms: number): number {
    return ms - (ms % this.intervalMs);
  }
}

/** Powertools' options for the authorizer: dimensions `service` and the function's name; nothing from a request. */
export function verdictMetricsOptions(functionName: string): ConstructorParameters<typeof Metrics>[0] {
  return {
    namespace: VERDICT_METRICS_NAMESPACE,
    serviceName: AUTHORIZER_SERVICE_NAME,
    defaultDimensions: { [FUNCTION_NAME_DIMENSION]: functionName },
  };
}

/** The deployed sink: Powertools Metrics, writing EMF to stdout, which Lambda sends to CloudWatch Logs. */
export function createVerdictMetricsSink(functionName: string): MetricsSink {
  return new Metrics(verdictMetricsOptions(functionName));
}

/** Flushes the counts when Lambda announces the shutdown (SIGTERM; see VerdictMetrics). */
export function flushOnShutdown(metrics: Pick<VerdictMetrics, 'flush'>, signals: NodeJS.EventEmitter = process): void {
  // A listener stops Node's default exit on SIGTERM; Lambda ends the process itself when the shutdown phase's time is up.
  signals.once('SIGTERM', () => {
    metrics.flush();
  });
}
