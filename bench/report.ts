import { dollars, formatBytes, formatMs, formatNs, formatRatio, spreadMs, spreadNs, spreadRatio, table } from './format';
import type { ColdStartResult, FreshProcessFigures } from './cold-start';
import { cliVersionRows } from './figures/cli-version';
import { GATEWAY_SPREAD_NOTE } from './figures/gateway';
import type { Comparison, MemoryProbe, Results, Target } from './results';

const STATUS_WORDS: Record<Target['status'], string> = { pass: 'met', miss: 'MISSED', pending: 'pending' };

/** The change column: "-12% vs 462d5dc (was 3.65 µs)" for a compared headline figure, blank otherwise. */
export function changeText(comparison: Comparison): (id: string) => string {
  return (id) => {
    const figure = comparison.figures.find((f) => f.id === id);
    if (comparison.status !== 'compared' || figure?.previous === null || figure?.previous === undefined) return '';
    const was = ['×', '%'].includes(figure.unit)
      ? `${figure.previous.toPrecision(3)}${figure.unit}`
      : `${figure.previous.toPrecision(3)} ${figure.unit}`;
    if (figure.change === null) return `was ${was}`;
    const percent = figure.change * 100;
    const sign = percent > 0 ? '+' : percent < 0 ? '−' : '±';
    const improved =
      figure.better === 'nearer 1'
        ? Math.abs(figure.now - 1) < Math.abs(figure.previous - 1)
        : figure.change > 0 === (figure.better === 'higher');
    const better = figure.change === 0 ? '' : improved ? ', better' : ', worse';
    return `${sign}${Math.abs(percent).toFixed(Math.abs(percent) < 10 ? 1 : 0)}% vs ${comparison.baseline?.commit ?? '?'} (was ${was}${better})`;
  };
}

type Row = (num: string, label: string, median: string, detail: string, notes: string, headline?: string) => string[];

/** Figure 5's fresh processes: as deployed, then the same bundle without its warm-up at init. */
function coldStartRows(cs: ColdStartResult, row: Row): string[][] {
  const variant = (f: FreshProcessFigures, label: string, headline: boolean): string[][] => [
    row(
      '',
      `fresh process, spawn → bundle loaded${label}`,
      formatMs(f.spawnToLoadedMs.median),
      spreadMs(f.spawnToLoadedMs),
      `import() inside the process ${formatMs(f.importMs.median)} (${spreadMs(f.importMs)}); ${cs.runs} runs`,
    ),
    row(
      '',
      `load added over the empty module (per pair)${label}`,
      formatMs(f.addedMs.median),
      spreadMs(f.addedMs),
      `ratio ${formatRatio(f.ratioToEmpty.median)}`,
      headline ? 'f5.loadAdded' : undefined,
    ),
    row(
      '',
      `first verification after load${label}`,
      formatMs(f.firstVerificationMs.median),
      spreadMs(f.firstVerificationMs),
      'a key not yet cached: DynamoDB connection set up, one read, the assertion signed',
    ),
    row(
      '',
      `warm uncached verification, same process${label}`,
      formatMs(f.warmUncachedMs.median),
      spreadMs(f.warmUncachedMs),
      `median of the next ${cs.warmCallsPerProcess} calls, ${cs.warmCallPauseMs} ms apart, each another key not yet cached`,
    ),
    row(
      '',
      `first ÷ warm uncached (per process)${label}`,
      formatRatio(f.firstToWarm.median),
      spreadRatio(f.firstToWarm),
      `spawn → first answer ${formatMs(f.spawnToFirstAnswerMs.median)} (${spreadMs(f.spawnToFirstAnswerMs)})`,
      headline ? 'f5.firstToWarm' : undefined,
    ),
  ];
  return [
    row(
      '',
      'fresh process, spawn → empty .mjs loaded',
      formatMs(cs.emptySpawnToLoadedMs.median),
      spreadMs(cs.emptySpawnToLoadedMs),
      `the baseline: same environment, same probe script; ${cs.runs} runs`,
    ),
    ...variant(cs.deployed, ' (warm-up on, as deployed)', true),
    ...variant(cs.withoutWarmUp, ' (without the warm-up: bench/entries/authorizer-without-warm-up.ts)', false),
    cs.importWithoutSourceMapsMs === null
      ? row('', 'source map', 'none', '', 'the bundle ships none: no NODE_OPTIONS=--enable-source-maps')
      : row(
          '',
          'import() without --enable-source-maps',
          formatMs(cs.importWithoutSourceMapsMs.median),
          spreadMs(cs.importWithoutSourceMapsMs),
          'the bundle ships a map, so the processes above ran with it read at start-up; load only',
        ),
  ];
}

const n = (value: number) => value.toLocaleString('en-US');

/** The human-readable report: one table of figures, the cost model, the targets. */
export function renderReport(r: Results): string {
  const m = r.meta.machine;
  const out: string[] = [];
  out.push('User API keys: authorizer benchmark');
  out.push(
    `node ${m.node} · ${m.cpuModel} · ${m.cores} cores · ${m.memoryGb} GB · ${r.meta.startedAt} · ${r.meta.durationSeconds} s` +
      ` · load average ${r.meta.loadAverageAtStart[0]?.toFixed(2)} at start, ${r.meta.loadAverageAtEnd[0]?.toFixed(2)} at end`,
  );
  out.push(
    `code: commit ${r.meta.source.commit}${r.meta.source.lambdasUncommittedChanges ? ' + uncommitted changes in lambdas/' : ''} · ` +
      `verdict cache in lambdas/: ${r.verdictCache.status} (DynamoDB reads: ${r.verdictCache.readsOnFirstCall} on a first call, ${r.verdictCache.readsOnRepeatCall} on a repeat), ` +
      `in the bundle: ${r.figure1.deployed.verdictCache.status} (${r.figure1.deployed.verdictCache.readsOnFirstCall}, then ${r.figure1.deployed.verdictCache.readsOnRepeatCall})` +
      (r.meta.quick ? '   ** --quick smoke run: not comparable **' : ''),
  );
  out.push(
    `time: ${Object.entries(r.meta.phaseSeconds)
      .map(([part, seconds]) => `${part} ${seconds.toFixed(seconds < 10 ? 1 : 0)} s`)
      .join(', ')}`,
  );
  out.push('');

  const change = changeText(r.comparison);
  const f1 = r.figure1.inProcess;
  const d = r.figure1.deployed;
  const f2 = r.figure2;
  const f3 = r.figure3;
  const f4 = r.figure4;
  const f5 = r.figure5;
  const cs = f5.coldStart;
  const f6 = r.figure6;
  const f7 = r.figure7;
  const calls3 = f3.countPass.dynamoDb.reads + f3.countPass.dynamoDb.writes + f3.countPass.dynamoDb.other;
  /** One row: the change column is filled for the headline figures (bench/baseline.ts HEADLINES). */
  const row = (num: string, label: string, median: string, detail: string, notes: string, headline?: string): string[] => [
    num,
    label,
    median,
    detail,
    headline === undefined ? '' : change(headline),
    notes,
  ];
  const rows: string[][] = [
    row(
      '1',
      'deployed bundle: cached allow (event → response)',
      formatNs(d.allowCachedNs.median),
      spreadNs(d.allowCachedNs),
      `handler() of the esbuild bundle in a child node, INFO logging, metrics, assertion; ${d.allowCachedNs.n} batches of ${n(d.batchSizes.allowCached ?? 0)}`,
      'f1.allowCached',
    ),
    row(
      '',
      'deployed bundle: denial writing its INFO line',
      formatNs(d.deniedLoggedNs.median),
      spreadNs(d.deniedLoggedNs),
      `revoked key, verdict cached; each call a (key, route) kind not seen lately, so each logs; ` +
        `${n(d.logging.denialLines)} "key denied" lines in all, ${Math.round(d.logging.bytesPerLine)} B a line`,
    ),
    row(
      '',
      'deployed bundle: the same, wrong secret',
      formatNs(d.deniedWrongSecretLoggedNs.median),
      spreadNs(d.deniedWrongSecretLoggedNs),
      'INVALID_SECRET, verdict cached, its line written',
    ),
    row(
      '',
      'deployed bundle: denial repeated (same key, route)',
      formatNs(d.deniedRepeatedNs.median),
      spreadNs(d.deniedRepeatedNs),
      `revoked key again and again: ${n(d.logging.denialCalls - d.logging.loggedDenialCalls)} such denials in all (a line a minute per kind, if deduped)`,
    ),
    row(
      '',
      'one bare SHA-256 of the key string (the floor)',
      formatNs(d.sha256Ns.median),
      spreadNs(d.sha256Ns),
      `createHash().update().digest('hex'), same child, ${d.sha256Ns.n} batches of ${n(d.batchSizes.sha256 ?? 0)}`,
    ),
    row(
      '',
      'aws-jwt-verify, Auth0 RS256 token, JWKS cached',
      formatNs(d.jwtVerifyNs.median),
      spreadNs(d.jwtVerifyNs),
      `same child; ${d.token.bytes}-byte token, ${d.token.modulusBits}-bit key`,
    ),
    row('', 'ratio allow / SHA-256 (per round)', formatRatio(d.ratioToSha256.median), spreadRatio(d.ratioToSha256), '', 'f1.allowToSha256'),
    row('', 'ratio JWT / allow (per round)', formatRatio(d.jwtToAllow.median), spreadRatio(d.jwtToAllow), '', 'f1.jwtToAllow'),
    row(
      '',
      'ratio denial writing its line / allow (per round)',
      formatRatio(d.loggedToAllow.median),
      spreadRatio(d.loggedToAllow),
      `revoked; wrong secret ${formatRatio(d.wrongSecretLoggedToAllow.median)}; repeated ${formatRatio(d.repeatedToAllow.median)}, mistyped ${formatRatio(d.mistypedToAllow.median)}`,
      'f1.denialToAllow',
    ),
    row(
      '',
      "the bundle's verdict cache; DynamoDB while timed",
      d.verdictCache.status,
      `${d.verdictCache.readsOnFirstCall} read, then ${d.verdictCache.readsOnRepeatCall}`,
      `TTL ${d.verdictCache.ttlSeconds} s as deployed; during the samples ${d.dynamoDbDuringSamples.reads} reads, ${d.dynamoDbDuringSamples.writes} writes (last-used)`,
    ),
    row(
      '',
      'for reference, in process: cached allow',
      formatNs(f1.authorizerCachedNs.median),
      spreadNs(f1.authorizerCachedNs),
      `built from source, logging SILENT, no metrics or assertion; ${f1.authorizerCachedNs.n} batches of ${n(f1.batchSizes.authorizerCached ?? 0)}`,
    ),
    row(
      '',
      'for reference, in process: one bare SHA-256',
      formatNs(f1.sha256Ns.median),
      spreadNs(f1.sha256Ns),
      `ratio allow / SHA-256 ${formatRatio(f1.ratioToSha256.median)} (per round)`,
    ),
    row(
      '',
      "for reference: one-shot crypto.hash('sha256')",
      formatNs(f1.sha256OneShotNs.median),
      spreadNs(f1.sha256OneShotNs),
      'Node 20.12+; not the floor used above',
    ),
    row(
      '',
      'for scale: no cache, zero-latency in-memory store',
      formatNs(f1.authorizerNoCacheNoIoNs.median),
      spreadNs(f1.authorizerNoCacheNoIoNs),
      'the CPU of a full check',
    ),
    row(
      '',
      'an access token instead of a key, cached',
      formatNs(f1.token.cachedNs.median),
      spreadNs(f1.token.cachedNs),
      `POST /oauth/token's, ${f1.token.bytes} characters`,
    ),
    row(
      '',
      'an access token, no cache, in-memory store',
      formatNs(f1.token.noCacheNoIoNs.median),
      spreadNs(f1.token.noCacheNoIoNs),
      'HMAC and claims, then the same read',
    ),
    row('', 'part: parse the header (regex, CRC32)', formatNs(f1.breakdown.parseHeaderNs.median), spreadNs(f1.breakdown.parseHeaderNs), ''),
    row(
      '',
      'part: SHA-256 of the header, the cache key',
      formatNs(f1.breakdown.cacheKeySha256Ns.median),
      spreadNs(f1.breakdown.cacheKeySha256Ns),
      '',
    ),
    row(
      '',
      'in process with a no-op logger',
      formatNs(f1.breakdown.authorizerCachedNoopLoggerNs.median),
      spreadNs(f1.breakdown.authorizerCachedNoopLoggerNs),
      'vs silenced Powertools',
    ),
    row(
      '2',
      'authorizer, no cache, DynamoDB Local',
      formatMs(f2.perCallMs.median),
      spreadMs(f2.perCallMs),
      `p99 ${formatMs(f2.perCallMs.p99)}, ${n(f2.verifications)} calls, in process`,
      'f2.uncached',
    ),
    row(
      '',
      'DynamoDB calls per verification',
      `${f2.readsPerVerification} read`,
      `${f2.writesPerVerification} writes`,
      `warm-up: ${f2.dynamoDbDuringWarmup.writes} background last-used write(s)`,
    ),
    row(
      '3',
      'garbage (random strings of 7 kinds)',
      formatNs(f3.garbageNs.median),
      spreadNs(f3.garbageNs),
      `${f3.garbageNs.n} batches, in process`,
    ),
    row('', 'valid key with one character changed', formatNs(f3.mistypedNs.median), spreadNs(f3.mistypedNs), `${f3.mistypedNs.n} batches`),
    row(
      '',
      'DynamoDB calls for those rejections',
      String(calls3),
      '',
      `over ${n(f3.countPass.rejections)} rejections, all refused: ${f3.countPass.allRefused}`,
    ),
    row(
      '4',
      'aws-jwt-verify, Auth0 RS256 token, in process',
      formatNs(f4.jwtVerifyNs.median),
      spreadNs(f4.jwtVerifyNs),
      `${f4.token.bytes}-byte token, ${f4.token.modulusBits}-bit key; for reference (figure 1 has the headline ratio)`,
    ),
    row('', 'ratio JWT / in-process allow (per round)', formatRatio(f4.ratioToFigure1.median), spreadRatio(f4.ratioToFigure1), ''),
    row(
      '5',
      'authorizer bundle, minified',
      formatBytes(f5.bundleBytes),
      `gzip -9 ${formatBytes(f5.gzipBytes)}`,
      f5.sourceMapBytes > 0 ? `source map ${formatBytes(f5.sourceMapBytes)}` : 'no source map',
      'f5.bundle',
    ),
    row('', 'largest parts of the bundle', '', '', topPackages(f5.bytesByPackage)),
    ...coldStartRows(cs, row),
    row(
      '6',
      'gateway GET /health',
      `${n(Math.round(f6.health.requestsPerSecond))} req/s`,
      `p50 ${f6.health.latencyMs.p50.toFixed(1)} ms, p99 ${f6.health.latencyMs.p99} ms`,
      loadNote(f6.health),
    ),
    row(
      '',
      'gateway GET /whoami, valid key',
      `${n(Math.round(f6.whoami.requestsPerSecond))} req/s`,
      `p50 ${f6.whoami.latencyMs.p50.toFixed(1)} ms, p99 ${f6.whoami.latencyMs.p99} ms`,
      loadNote(f6.whoami),
    ),
    row(
      '',
      'throughput /whoami ÷ /health (median of pairs)',
      `${(f6.whoamiToHealthThroughput * 100).toFixed(1)}%`,
      `min – max ${(f6.whoamiToHealth.min * 100).toFixed(1)}% – ${(f6.whoamiToHealth.max * 100).toFixed(1)}%`,
      `${f6.pairRatios.length} pairs of ${f6.roundSeconds} s rounds (ABBA), ${f6.connections} connections on ${f6.cores} cores, autocannon in its own process` +
        (f6.spreadExceedsNote
          ? `; NOTE: the pairs spread ${(f6.spread * 100).toFixed(0)}% (min to max over the median), above ${GATEWAY_SPREAD_NOTE * 100}%: noisy`
          : `; spread ${(f6.spread * 100).toFixed(1)}% (min to max over the median)`),
      'f6.whoamiToHealth',
    ),
    row(
      '',
      'gateway process CPU per request',
      `${(f6.whoami.gatewayCpuMicrosPerRequest ?? Number.NaN).toFixed(1)} µs`,
      `/health ${(f6.health.gatewayCpuMicrosPerRequest ?? Number.NaN).toFixed(1)} µs`,
      '/whoami, then /health: user + system time of the process hosting the gateway, over all its rounds',
    ),
    row(
      '7',
      `no cache, ${n(f7.smallTableKeys)} keys in the table`,
      formatMs(f7.smallMs.median),
      spreadMs(f7.smallMs),
      `p99 ${formatMs(f7.smallMs.p99)}, ${n(f7.smallMs.n)} calls`,
    ),
    row(
      '',
      `no cache, ${n(f7.largeTableKeys)} keys in the table`,
      formatMs(f7.largeMs.median),
      spreadMs(f7.largeMs),
      `p99 ${formatMs(f7.largeMs.p99)}, ${n(f7.largeMs.n)} calls`,
    ),
    row(
      '',
      'ratio of medians',
      formatRatio(f7.largeToSmallMedian),
      '',
      `${f7.sampledKeysPerTable} keys sampled per table`,
      'f7.largeToSmall',
    ),
    row(
      '',
      `seeding the ${n(f7.largeTableKeys)} keys`,
      `${f7.seedSeconds.large.toFixed(1)} s`,
      `${n(Math.round(f7.seeding.itemsPerSecond))} items/s`,
      `BatchWriteItem, 25 items a call, ${f7.seeding.concurrency} calls in flight, ${n(f7.seeding.itemsWritten)} items`,
    ),
    ...memoryRows(f7.memory).map((cells) => [...cells.slice(0, 4), '', ...cells.slice(4)]),
    ...verdictMetricsRows(r.figure9).map((cells) => [...cells.slice(0, 4), '', ...cells.slice(4)]),
    ...assertionRows(r.figure10).map((cells) => [...cells.slice(0, 4), '', ...cells.slice(4)]),
    ...cliVersionRows(r.figure11, row),
  ];
  out.push(r.comparison.message);
  out.push(table(['#', 'figure', 'median', 'p25 – p75 / detail', 'vs BENCHMARKS.json', 'notes'], rows));
  out.push('');

  const c = r.figure8;
  out.push(
    `8  Cost per million protected requests, ${c.prices.region}; list prices as known in ${c.prices.asOf}, not fetched live: ` +
      `HTTP API $${c.prices.apiGatewayHttpApiPerMillionRequests}/M requests; Lambda $${c.prices.lambdaPerMillionRequests}/M requests + ` +
      `$${c.prices.lambdaArmPerGbSecond}/GB-s (Arm64); DynamoDB on-demand $${c.prices.dynamoDbOnDemandPerMillionReadRequestUnits}/M RRU.`,
  );
  out.push(
    `   Authorizer ${c.authorizerMemoryMb} MB, billed ${c.billedDurationMs} ms (figure 2's median ${c.measuredDurationMs.toFixed(2)} ms rounded up), 1 RRU per invocation.`,
  );
  out.push(
    table(
      ['   gateway cache hit rate', 'authorizer calls', 'API Gateway', 'Lambda requests', 'Lambda duration', 'DynamoDB reads', 'total'],
      c.lines.map((line) => [
        `   ${(line.gatewayCacheHitRate * 100).toFixed(0)}%`,
        n(Math.round(line.authorizerInvocations)),
        dollars(line.apiGateway),
        dollars(line.lambdaRequests),
        dollars(line.lambdaDuration),
        dollars(line.dynamoDbReads),
        dollars(line.total),
      ]),
    ),
  );
  out.push('');

  out.push('Targets');
  out.push(
    table(
      ['', 'target', 'result', 'measured'],
      r.targets.map((t) => [`(${t.figure})`, t.description, STATUS_WORDS[t.status], t.measured]),
    ),
  );
  return out.join('\n');
}

function verdictMetricsRows(f9: Results['figure9']): string[][] {
  return [
    [
      '9',
      'figure 1 without verdict metrics',
      formatNs(f9.cachedWithoutMetricsNs.median),
      spreadNs(f9.cachedWithoutMetricsNs),
      `${f9.cachedWithoutMetricsNs.n} batches of ${n(f9.batchSizes.cachedWithoutMetrics ?? 0)}, interleaved with the next three`,
    ],
    [
      '',
      'figure 1 counting verdicts (EMF metrics)',
      formatNs(f9.cachedWithMetricsNs.median),
      spreadNs(f9.cachedWithMetricsNs),
      'a clock read, a compare, an increment; a flush when a minute turns',
    ],
    ['', 'ratio with / without (per round)', formatRatio(f9.ratioWithToWithout.median), spreadRatio(f9.ratioWithToWithout), ''],
    [
      '',
      "one minute's EMF flush (Powertools serialize + write)",
      formatNs(f9.emfFlushNs.median),
      spreadNs(f9.emfFlushNs),
      `${f9.outcomesPerFlush} outcomes + cache lookups, to /dev/null; once a minute per busy instance`,
    ],
    [
      '',
      'the counting alone (tick + count), per request',
      formatNs(f9.countPerRequestNs.median),
      spreadNs(f9.countPerRequestNs),
      `${((f9.countPerRequestNs.median / f9.cachedWithoutMetricsNs.median) * 100).toFixed(2)}% of the cached allow`,
    ],
  ];
}

function assertionRows(f10: Results['figure10']): string[][] {
  return [
    [
      '10',
      'figure 1 without the identity assertion',
      formatNs(f10.cachedWithoutNs.median),
      spreadNs(f10.cachedWithoutNs),
      `${f10.cachedWithoutNs.n} batches of ${n(f10.batchSizes.cachedWithout ?? 0)}, interleaved with the next four`,
    ],
    ['', 'figure 1 with it (signed once, cached with the verdict)', formatNs(f10.cachedWithNs.median), spreadNs(f10.cachedWithNs), ''],
    ['', 'ratio with / without (per round)', formatRatio(f10.cachedRatio.median), spreadRatio(f10.cachedRatio), ''],
    ['', 'no cache, no I/O: a verification without', formatNs(f10.uncachedWithoutNs.median), spreadNs(f10.uncachedWithoutNs), ''],
    [
      '',
      'no cache, no I/O: with the assertion',
      formatNs(f10.uncachedWithNs.median),
      spreadNs(f10.uncachedWithNs),
      'what every request pays with caching off: one signature each',
    ],
    [
      '',
      'one ES256 signature (claims + node:crypto)',
      formatNs(f10.signNs.median),
      spreadNs(f10.signNs),
      `the assertion: ${f10.assertionBytes} bytes`,
    ],
  ];
}

function topPackages(bytesByPackage: Record<string, number>): string {
  return Object.entries(bytesByPackage)
    .slice(0, 4)
    .map(([name, bytes]) => `${name} ${formatBytes(bytes)}`)
    .join(', ');
}

function loadNote(run: { non2xx: number; errors: number; timeouts: number; requestsTotal: number }): string {
  return `${n(run.requestsTotal)} requests, ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts`;
}

function memoryRows(memory: MemoryProbe | { error: string }): string[][] {
  if ('error' in memory) return [['', 'verdict cache memory at its bound', 'n/a', '', memory.error.slice(0, 80)]];
  const rows: string[][] = [];
  for (const [label, probe] of [
    ['verdict cache, filled to its bound', memory.verdictCache],
    ['last-used recorder, filled to its bound', memory.lastUsedRecorder],
  ] as const) {
    rows.push([
      '',
      label,
      formatBytes(probe.heapDeltaBytes),
      probe.entriesAtBound === 0
        ? 'holds nothing'
        : `${n(probe.entriesAtBound)} entries${probe.boundReached ? '' : ' (bound not reached)'}`,
      probe.bytesPerEntry === null ? '' : `${Math.round(probe.bytesPerEntry)} B per entry, heapUsed after GC`,
    ]);
  }
  return rows;
}
