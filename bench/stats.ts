/**
 * Sampling and summary statistics for the benchmark. Every figure is a median
 * over many samples taken after a warm-up, reported with its p25/p75 (and
 * MAD, the median absolute deviation) so a reader can see how steady it was.
 */

import { itemAt } from './arrays';

export interface Summary {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  readonly p99: number;
  /** Median absolute deviation from the median. */
  readonly mad: number;
  readonly min: number;
  readonly max: number;
  /** How many samples the summary is over. */
  readonly n: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = itemAt(sorted, lower);
  const b = itemAt(sorted, upper);
  return a + (b - a) * (position - lower);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const deviations = sorted.map((value) => Math.abs(value - median)).sort((a, b) => a - b);
  return {
    median,
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    p99: quantile(sorted, 0.99),
    mad: quantile(deviations, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    n: sorted.length,
  };
}

/** Scales every statistic of a summary (e.g. ns to µs); n stays. */
export function scaleSummary(summary: Summary, factor: number): Summary {
  return {
    median: summary.median * factor,
    p25: summary.p25 * factor,
    p75: summary.p75 * factor,
    p99: summary.p99 * factor,
    mad: summary.mad * factor,
    min: summary.min * factor,
    max: summary.max * factor,
    n: summary.n,
  };
}

export const now = (): bigint => process.hrtime.bigint();
const elapsedNs = (start: bigint): number => Number(process.hrtime.bigint() - start);

/**
 * Between samples, never inside one: ops that resolve at once keep the loop in
 * microtasks, and a signal (Ctrl-C) would wait for the whole group; tsx kills
 * a child that does not take a relayed signal within 60 ms, cleanup unrun.
 */
const turnEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One operation of a micro-benchmark group: sync or async, called `batch` times per sample. */
export interface MicroOp {
  readonly name: string;
  /** Called with the call's index, so an op can cycle through a pool of inputs. */
  readonly run: (i: number) => unknown;
  /** True when `run` returns a promise that must be awaited. */
  readonly async: boolean;
}

async function runBatch(op: MicroOp, batch: number, offset: number): Promise<number> {
  const start = now();
  if (op.async) {
    for (let i = 0; i < batch; i += 1) await op.run(offset + i);
  } else {
    for (let i = 0; i < batch; i += 1) op.run(offset + i);
  }
  return elapsedNs(start) / batch;
}

export interface MicroResult {
  /** ns per call, one sample per round. */
  readonly perCallNs: Summary;
  readonly batch: number;
  readonly samples: readonly number[];
}

export interface MicroGroupOptions {
  /** Warm-up per op before calibration, in ms. */
  readonly warmupMs: number;
  /** Target duration of one batch, in ms: the batch size is chosen so one sample takes about this long. */
  readonly batchMs: number;
  /** Rounds: each round takes one sample of every op, in a rotating order. */
  readonly rounds: number;
}

/**
 * Micro-benchmarks measured together: after each op's warm-up, rounds take
 * one batch-timed sample of every op in turn (the order rotates each round),
 * so a slow spell of the machine hits all of them alike and the ratios
 * between them (computed per round) stay fair.
 */
export async function microGroup(ops: readonly MicroOp[], options: MicroGroupOptions): Promise<Map<string, MicroResult>> {
  const batches = new Map<string, number>();
  const offsets = new Map<string, number>();
  for (const op of ops) {
    // Warm-up: let the JIT settle, and learn how long one call takes.
    let calls = 0;
    const start = now();
    let batch = 1;
    while (elapsedNs(start) < options.warmupMs * 1e6) {
      await runBatch(op, batch, calls);
      await turnEventLoop();
      calls += batch;
      batch = Math.min(batch * 2, 4096);
    }
    const perCall = elapsedNs(start) / Math.max(calls, 1);
    batches.set(op.name, Math.max(1, Math.round((options.batchMs * 1e6) / perCall)));
    offsets.set(op.name, calls);
  }
  const samples = new Map<string, number[]>(ops.map((op) => [op.name, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    for (let k = 0; k < ops.length; k += 1) {
      const op = itemAt(ops, (round + k) % ops.length);
      const batch = batches.get(op.name) ?? 1;
      const offset = offsets.get(op.name) ?? 0;
      samples.get(op.name)?.push(await runBatch(op, batch, offset));
      await turnEventLoop();
      offsets.set(op.name, offset + batch);
    }
  }
  return new Map(
    ops.map((op) => {
      const opSamples = samples.get(op.name) ?? [];
      return [op.name, { perCallNs: summarize(opSamples), batch: batches.get(op.name) ?? 0, samples: opSamples }];
    }),
  );
}

/** Per-round ratios a/b of two ops sampled in the same rounds, summarized. */
export function ratioSummary(a: MicroResult, b: MicroResult): Summary {
  const ratios = a.samples.map((value, i) => value / (b.samples[i] ?? Number.NaN)).filter(Number.isFinite);
  return summarize(ratios);
}

/** Times each call on its own (for ms-scale operations): ns per call, one sample per call. */
export async function timeEach(calls: number, run: (i: number) => Promise<unknown>, offset = 0): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    const start = now();
    await run(offset + i);
    samples.push(elapsedNs(start));
  }
  return samples;
}
