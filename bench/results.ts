/**
 * The shape of one benchmark run: what `--json` prints and what the report
 * renders. Field names are read by BENCHMARKS.md and by whoever keeps the
 * JSON, so they change only on purpose. Types only: nothing runs here.
 */
import type { ColdStartResult } from './cold-start';
import type { CostModel } from './cost';
import type { DynamoCounts } from './dynamo-counter';
import type { Figure11 } from './figures/cli-version';
import type { GatewayLoadResult } from './gateway-load';
import type { Summary } from './stats';

export interface Machine {
  node: string;
  v8: string;
  platform: string;
  cpuModel: string;
  cpuMhz: number | null;
  cores: number;
  memoryGb: number;
}

/** Which code was measured: the commit, and whether lambdas/ had uncommitted changes (null: git could not tell). */
export interface SourceState {
  commit: string;
  lambdasUncommittedChanges: boolean | null;
}

/**
 * The figures' layout: BENCHMARKS.json is compared with a run only when its
 * layout is this one. Raised whenever a headline figure's meaning or place changes.
 */
export const FIGURE_LAYOUT = 2;

export interface Meta {
  /** FIGURE_LAYOUT of the code that made this run. */
  layout: number;
  startedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: Machine;
  source: SourceState;
  /** Seconds each part of the run took, in order (DynamoDB Local's start, the seeding, each figure). */
  phaseSeconds: Record<string, number>;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  packages: Record<string, string>;
  notes: string[];
}

/** Proof, by counting DynamoDB reads, that the in-instance verdict cache took effect for figure 1. */
export interface VerdictCacheCheck {
  status: 'active' | 'absent';
  ttlSecondsFigure1: number;
  readsOnFirstCall: number;
  readsOnRepeatCall: number;
}

/**
 * Figure 1, the headline: the deployed bundle (bundleAuthorizer), imported by
 * a child process with the deployed environment, its exported handler timed
 * in one interleaved group with a bare SHA-256 and the JWT check (bench/figures/deployed-bundle.ts).
 */
export interface DeployedFigure1 {
  /** A cached allow, event → response, with INFO logging, verdict metrics and the (cached) assertion. */
  allowCachedNs: Summary;
  /**
   * Denials, their verdicts cached: a revoked key presented again and again on one route (the handler logs such
   * repeats once a minute, if it dedupes), a revoked key and a wrong secret each time a (key, route) kind not seen
   * for longer than any dedupe remembers (so the INFO line is written each call), and a mistyped key (the checksum).
   */
  deniedRepeatedNs: Summary;
  deniedLoggedNs: Summary;
  deniedWrongSecretLoggedNs: Summary;
  deniedMistypedNs: Summary;
  sha256Ns: Summary;
  jwtVerifyNs: Summary;
  /** Per round, in the same child. */
  ratioToSha256: Summary;
  jwtToAllow: Summary;
  loggedToAllow: Summary;
  wrongSecretLoggedToAllow: Summary;
  repeatedToAllow: Summary;
  mistypedToAllow: Summary;
  /** Counted by the proxy in front of DynamoDB Local: one read on a first call and none on a repeat means the bundle's cache is on. */
  verdictCache: { status: 'active' | 'absent'; readsOnFirstCall: number; readsOnRepeatCall: number; ttlSeconds: number };
  dynamoDbDuringSamples: DynamoCounts;
  /** The child's stdout: every line, and the `key denied` ones, against the denials it answered (all, and those meant to write a line). */
  logging: {
    level: string;
    denialCalls: number;
    loggedDenialCalls: number;
    denialLines: number;
    lines: number;
    bytes: number;
    bytesPerLine: number;
  };
  assertionBytes: number;
  /** import() of the bundle in the child (tsx's loader is in that process: see figure 5 for the cold load). */
  importMs: number;
  node: string;
  bundleBytes: number;
  token: { bytes: number; modulusBits: number };
  /** The variables the child got (values of credentials and paths left out). */
  environment: string[];
  batchSizes: Record<string, number>;
}

export interface Figure1 {
  deployed: DeployedFigure1;
  /** The figures 1 had before: the authorizer built from source in this process, logging SILENT. For reference. */
  inProcess: InProcessFigure1;
}

export interface InProcessFigure1 {
  authorizerCachedNs: Summary;
  sha256Ns: Summary;
  sha256OneShotNs: Summary;
  ratioToSha256: Summary;
  authorizerNoCacheNoIoNs: Summary;
  /** The same two with an access token (POST /oauth/token) in the header instead of a key. */
  token: { cachedNs: Summary; noCacheNoIoNs: Summary; bytes: number };
  /** Parts of figure 1, measured alongside it. */
  breakdown: { parseHeaderNs: Summary; cacheKeySha256Ns: Summary; authorizerCachedNoopLoggerNs: Summary };
  cachedKeys: number;
  dynamoDbDuringSamples: DynamoCounts;
  batchSizes: Record<string, number>;
}

export interface Figure2 {
  perCallMs: Summary;
  verifications: number;
  readsPerVerification: number;
  writesPerVerification: number;
  warmupCalls: number;
  dynamoDbDuringWarmup: DynamoCounts;
  dynamoDbDuringSamples: DynamoCounts;
}

export interface Figure3 {
  garbageNs: Summary;
  mistypedNs: Summary;
  countPass: { rejections: number; allRefused: boolean; dynamoDb: DynamoCounts };
}

export interface Figure4 {
  jwtVerifyNs: Summary;
  ratioToFigure1: Summary;
  token: { bytes: number; header: Record<string, unknown>; claims: string[]; jwksKeys: number; modulusBits: number };
}

export type { Figure11 };

export interface Figure5 {
  bundleBytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Minified bytes in the bundle by package (esbuild's metafile), largest first. */
  bytesByPackage: Record<string, number>;
  coldStart: ColdStartResult;
}

export type Figure6 = GatewayLoadResult & {
  /** The per-pair ratios /whoami ÷ /health, summarized. */
  whoamiToHealth: Summary;
  /** Their median: the figure. */
  whoamiToHealthThroughput: number;
  /** (max - min) / median of the per-pair ratios. */
  spread: number;
  /** True when spread is above GATEWAY_SPREAD_NOTE (10%): the report says so. */
  spreadExceedsNote: boolean;
  cores: number;
};

export interface BoundProbe {
  /** Entries held when full, found by re-presenting keys newest first until one is not remembered. */
  readonly entriesAtBound: number;
  /** False when the structure remembered every key pushed through (its bound is above the keys pushed). */
  readonly boundReached: boolean;
  readonly heapDeltaBytes: number;
  readonly externalDeltaBytes: number;
  readonly bytesPerEntry: number | null;
  readonly keysPushedThrough: number;
}

/** What bench/memory-probe.ts prints (figure 7b). */
export interface MemoryProbe {
  verdictCache: BoundProbe;
  lastUsedRecorder: BoundProbe;
  cacheTtlSeconds: number;
  node: string;
}

export interface Figure7 {
  smallTableKeys: number;
  largeTableKeys: number;
  sampledKeysPerTable: number;
  seedSeconds: { small: number; large: number };
  /** The large table's seeding: BatchWriteItem calls in flight, items written and how fast. */
  seeding: { concurrency: number; itemsWritten: number; itemsPerSecond: number };
  smallMs: Summary;
  largeMs: Summary;
  largeToSmallMedian: number;
  dynamoDbDuringSamples: DynamoCounts;
  memory: MemoryProbe | { error: string };
}

export interface Target {
  id: string;
  figure: number;
  description: string;
  status: 'pass' | 'miss' | 'pending';
  measured: string;
}

/** What signing the identity assertion adds (bench/figures/assertion-signing.ts). */
export interface Figure10 {
  cachedWithoutNs: Summary;
  cachedWithNs: Summary;
  /** Per-round ratio with / without, cached allow. */
  cachedRatio: Summary;
  /** The no-I/O verification (caching off): what every request pays. */
  uncachedWithoutNs: Summary;
  uncachedWithNs: Summary;
  /** One ES256 signature with its claims. */
  signNs: Summary;
  assertionBytes: number;
  batchSizes: Record<string, number>;
}

/** What counting verdicts for the dashboard adds to figure 1 (bench/figures/verdict-metrics-cost.ts). */
export interface Figure9 {
  cachedWithoutMetricsNs: Summary;
  cachedWithMetricsNs: Summary;
  /** Per-round ratio with / without. */
  ratioWithToWithout: Summary;
  /** One minute's EMF line: serialize and write, once per instance per minute with requests. */
  emfFlushNs: Summary;
  /** tick() and count() alone: what each request adds. */
  countPerRequestNs: Summary;
  outcomesPerFlush: number;
  batchSizes: Record<string, number>;
}

/** Everything but the targets, which are judged from these. */
export interface Figures {
  verdictCache: VerdictCacheCheck;
  figure1: Figure1;
  figure2: Figure2;
  figure3: Figure3;
  figure4: Figure4;
  figure5: Figure5;
  figure6: Figure6;
  figure7: Figure7;
  figure8: CostModel;
  figure9: Figure9;
  figure10: Figure10;
  /** `apikey --version` of the installed CLI package (bench/figures/cli-version.ts). */
  figure11: Figure11;
}

/** One headline figure against the same one in BENCHMARKS.json. */
export interface FigureChange {
  id: string;
  label: string;
  now: number;
  previous: number | null;
  /** now / previous - 1; null when there is nothing to compare. */
  change: number | null;
  /** How the number reads (µs, ×, KB, ms, %). */
  unit: string;
  /** Which way is better: higher (throughput, ratios to slower things), lower (times, sizes), or nearer 1 (a ratio that should not move). */
  better: 'higher' | 'lower' | 'nearer 1';
}

/** This run against the last committed one (BENCHMARKS.json beside BENCHMARKS.md). */
export interface Comparison {
  status: 'compared' | 'missing' | 'unreadable' | 'different-layout' | 'quick';
  /** One line: what was compared with, or why nothing was. */
  message: string;
  baseline: { commit: string; startedAt: string; layout: number | null } | null;
  figures: FigureChange[];
}

/** One run, in the order the JSON prints it. */
export type Results = { meta: Meta } & Figures & { targets: Target[]; comparison: Comparison };
