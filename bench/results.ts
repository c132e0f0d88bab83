/**
 * The shape of one benchmark run: what `--json` prints and what the report
 * renders. Field names are read by BENCHMARKS.md and by whoever keeps the
 * JSON, so they change only on purpose. Types only: nothing runs here.
 */
import type { ColdStartResult } from './cold-start';
import type { CostModel } from './cost';
import type { DynamoCounts } from './dynamo-counter';
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

export interface Meta {
  startedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: Machine;
  source: SourceState;
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

export interface Figure1 {
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

export interface Figure5 {
  bundleBytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Minified bytes in the bundle by package (esbuild's metafile), largest first. */
  bytesByPackage: Record<string, number>;
  coldStart: ColdStartResult;
}

export type Figure6 = GatewayLoadResult & { whoamiToHealthThroughput: number };

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
}

/** One run, in the order the JSON prints it. */
export type Results = { meta: Meta } & Figures & { targets: Target[] };
