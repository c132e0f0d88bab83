import { EventEmitter } from 'node:events';
import {
  CACHE_METRIC_NAMES,
  VERDICT_METRIC_NAMES,
  VERDICT_OUTCOMES,
  VERDICT_METRICS_NAMESPACE,
} from '../../../lambdas/observability/verdict-metric-names';
import { createVerdictMetricsSink, flushOnShutdown, VerdictMetrics } from '../../../lambdas/observability/verdict-metrics';

const MINUTE = 60_000;
const START = Date.UTC(2026, 11, 1, 12, 0, 0); // on a minute boundary

/** What Powertools writes to stdout, one parsed EMF document per line. */
function captureStdout(): { documents: () => any[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    documents: () =>
      lines
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line)),
    restore: () => {
      spy.mockRestore();
    },
  };
}

describe('VerdictMetrics over Powertools Metrics (the EMF it writes)', () => {
  let now: number;
  let stdout: ReturnType<typeof captureStdout>;
  let cache: { hits: number; misses: number };
  let metrics: VerdictMetrics;

  beforeEach(() => {
    // Powertools is disabled under POWERTOOLS_DEV unless told otherwise; make sure it writes.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    now = START + 5_000;
    cache = { hits: 0, misses: 0 };
    stdout = captureStdout();
    metrics = new VerdictMetrics({ sink: createVerdictMetricsSink('UserApiKeys-Authorizer'), cacheLookups: cache, now: () => now });
  });
  afterEach(() => {
    stdout.restore();
    delete process.env.POWERTOOLS_METRICS_DISABLED;
  });

  it('writes nothing while the minute lasts, then one EMF line with the minute’s counts, stamped with its start', () => {
    metrics.tick();
    metrics.count('ALLOWED');
    metrics.tick();
    metrics.count('ALLOWED');
    metrics.tick();
    metrics.count('NOT_FOUND');
    cache.hits = 1;
    cache.misses = 2;
    now = START + MINUTE - 1;
    metrics.tick();
    expect(stdout.documents()).toEqual([]);

    now = START + MINUTE + 30_000; // the first invocation of the next minute flushes the last one
    metrics.tick();
    expect(stdout.documents()).toEqual([
      {
        _aws: {
          Timestamp: START,
          CloudWatchMetrics: [
            {
              Namespace: VERDICT_METRICS_NAMESPACE,
              Dimensions: [['service', 'FunctionName']],
              Metrics: [
                { Name: 'Allowed', Unit: 'Count' },
                { Name: 'DeniedNotFound', Unit: 'Count' },
                { Name: 'VerdictCacheHits', Unit: 'Count' },
                { Name: 'VerdictCacheMisses', Unit: 'Count' },
              ],
            },
          ],
        },
        service: 'api-key-authorizer',
        FunctionName: 'UserApiKeys-Authorizer',
        Allowed: 2,
        DeniedNotFound: 1,
        VerdictCacheHits: 1,
        VerdictCacheMisses: 2,
      },
    ]);
  });

  it('starts each minute from zero, and writes no line for a minute without requests', () => {
    metrics.count('REVOKED');
    now = START + MINUTE;
    metrics.tick();
    metrics.count('EXPIRED');
    now = START + 5 * MINUTE + 1; // minutes 2 to 4 were idle
    metrics.tick();
    now = START + 7 * MINUTE;
    metrics.tick(); // minute 5 counted nothing
    const documents = stdout.documents();
    expect(documents.map((d) => d._aws.Timestamp)).toEqual([START, START + MINUTE]);
    expect(documents[0]).toMatchObject({ DeniedRevoked: 1 });
    expect(documents[0].DeniedExpired).toBeUndefined();
    expect(documents[1]).toMatchObject({ DeniedExpired: 1 });
    expect(documents[1].DeniedRevoked).toBeUndefined();
  });

  it('reports cache lookups as the change since the last line, both terms together', () => {
    cache.hits = 5;
    now = START + MINUTE;
    metrics.tick();
    cache.misses = 1;
    now = START + 2 * MINUTE;
    metrics.tick();
    expect(stdout.documents().map((d) => [d.VerdictCacheHits, d.VerdictCacheMisses])).toEqual([
      [5, 0],
      [0, 1],
    ]);
  });

  it('gives every outcome its own metric name, from the one module the dashboard reads too', () => {
    for (const outcome of VERDICT_OUTCOMES) metrics.count(outcome);
    metrics.flush();
    const [document] = stdout.documents();
    const names = document._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
    expect(names).toEqual(Object.values(VERDICT_METRIC_NAMES));
    expect(new Set(names).size).toBe(VERDICT_OUTCOMES.length);
    expect(names).not.toContain(CACHE_METRIC_NAMES.hits); // no lookups happened
  });

  it('flushes what it holds when Lambda announces the shutdown (SIGTERM)', () => {
    const signals = new EventEmitter();
    flushOnShutdown(metrics, signals);
    metrics.count('ALLOWED');
    signals.emit('SIGTERM');
    expect(stdout.documents()).toEqual([expect.objectContaining({ Allowed: 1 })]);
    signals.emit('SIGTERM');
    expect(stdout.documents()).toHaveLength(1);
  });
});

describe('VerdictMetrics per request', () => {
  it('touches the sink only when an interval ends: tick and count call nothing', () => {
    const sink = { addMetric: jest.fn(), setTimestamp: jest.fn(), publishStoredMetrics: jest.fn() };
    let now = START;
    const metrics = new VerdictMetrics({ sink, now: () => now });
    for (let i = 0; i < 1000; i += 1) {
      metrics.tick();
      metrics.count(i % 2 === 0 ? 'ALLOWED' : 'INVALID_SECRET');
    }
    expect(sink.addMetric).not.toHaveBeenCalled();
    now += MINUTE;
    metrics.tick();
    expect(sink.addMetric.mock.calls).toEqual([
      ['Allowed', 'Count', 500],
      ['DeniedInvalidSecret', 'Count', 500],
    ]);
    expect(sink.setTimestamp).toHaveBeenCalledWith(START);
    expect(sink.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });
});
