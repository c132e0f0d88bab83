import { dollars, formatBytes, formatMs, formatNs, formatRatio, spreadMs, spreadNs, spreadRatio, table } from './format';
import type { MemoryProbe, Results } from './results';

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
      `verdict cache in lambdas/: ${r.verdictCache.status} (DynamoDB reads: ${r.verdictCache.readsOnFirstCall} on a first call, ${r.verdictCache.readsOnRepeatCall} on a repeat)` +
      (r.meta.quick ? '   ** --quick smoke run: not comparable **' : ''),
  );
  out.push('');

  const f1 = r.figure1;
  const f2 = r.figure2;
  const f3 = r.figure3;
  const f4 = r.figure4;
  const f5 = r.figure5;
  const cs = f5.coldStart;
  const f6 = r.figure6;
  const f7 = r.figure7;
  const calls3 = f3.countPass.dynamoDb.reads + f3.countPass.dynamoDb.writes + f3.countPass.dynamoDb.other;
  const rows: string[][] = [
    [
      '1',
      'authorizer, warm, verdict cached (event → response)',
      formatNs(f1.authorizerCachedNs.median),
      spreadNs(f1.authorizerCachedNs),
      `${f1.authorizerCachedNs.n} batches of ${n(f1.batchSizes.authorizerCached ?? 0)}`,
    ],
    [
      '',
      'one bare SHA-256 of the key string (the floor)',
      formatNs(f1.sha256Ns.median),
      spreadNs(f1.sha256Ns),
      `createHash().update().digest('hex'), ${f1.sha256Ns.n} batches of ${n(f1.batchSizes.sha256 ?? 0)}`,
    ],
    ['', 'ratio authorizer / SHA-256 (per round)', formatRatio(f1.ratioToSha256.median), spreadRatio(f1.ratioToSha256), ''],
    [
      '',
      "for reference: one-shot crypto.hash('sha256')",
      formatNs(f1.sha256OneShotNs.median),
      spreadNs(f1.sha256OneShotNs),
      'Node 20.12+; not the floor used above',
    ],
    [
      '',
      'for scale: no cache, zero-latency in-memory store',
      formatNs(f1.authorizerNoCacheNoIoNs.median),
      spreadNs(f1.authorizerNoCacheNoIoNs),
      'the CPU of a full check',
    ],
    [
      '',
      'an access token instead of a key, cached',
      formatNs(f1.token.cachedNs.median),
      spreadNs(f1.token.cachedNs),
      `POST /oauth/token's, ${f1.token.bytes} characters`,
    ],
    [
      '',
      'an access token, no cache, in-memory store',
      formatNs(f1.token.noCacheNoIoNs.median),
      spreadNs(f1.token.noCacheNoIoNs),
      'HMAC and claims, then the same read',
    ],
    ['', 'part: parse the header (regex, CRC32)', formatNs(f1.breakdown.parseHeaderNs.median), spreadNs(f1.breakdown.parseHeaderNs), ''],
    [
      '',
      'part: SHA-256 of the header, the cache key',
      formatNs(f1.breakdown.cacheKeySha256Ns.median),
      spreadNs(f1.breakdown.cacheKeySha256Ns),
      '',
    ],
    [
      '',
      'figure 1 with a no-op logger',
      formatNs(f1.breakdown.authorizerCachedNoopLoggerNs.median),
      spreadNs(f1.breakdown.authorizerCachedNoopLoggerNs),
      'vs silenced Powertools',
    ],
    [
      '2',
      'authorizer, no cache, DynamoDB Local',
      formatMs(f2.perCallMs.median),
      spreadMs(f2.perCallMs),
      `p99 ${formatMs(f2.perCallMs.p99)}, ${n(f2.verifications)} calls`,
    ],
    [
      '',
      'DynamoDB calls per verification',
      `${f2.readsPerVerification} read`,
      `${f2.writesPerVerification} writes`,
      `warm-up: ${f2.dynamoDbDuringWarmup.writes} background last-used write(s)`,
    ],
    ['3', 'garbage (random strings of 7 kinds)', formatNs(f3.garbageNs.median), spreadNs(f3.garbageNs), `${f3.garbageNs.n} batches`],
    ['', 'valid key with one character changed', formatNs(f3.mistypedNs.median), spreadNs(f3.mistypedNs), `${f3.mistypedNs.n} batches`],
    [
      '',
      'DynamoDB calls for those rejections',
      String(calls3),
      '',
      `over ${n(f3.countPass.rejections)} rejections, all refused: ${f3.countPass.allRefused}`,
    ],
    [
      '4',
      'aws-jwt-verify, Auth0 RS256 token, JWKS cached',
      formatNs(f4.jwtVerifyNs.median),
      spreadNs(f4.jwtVerifyNs),
      `${f4.token.bytes}-byte token, ${f4.token.modulusBits}-bit key`,
    ],
    ['', 'ratio JWT / figure 1 (per round)', formatRatio(f4.ratioToFigure1.median), spreadRatio(f4.ratioToFigure1), ''],
    [
      '5',
      'authorizer bundle, minified',
      formatBytes(f5.bundleBytes),
      `gzip -9 ${formatBytes(f5.gzipBytes)}`,
      `source map ${formatBytes(f5.sourceMapBytes)}`,
    ],
    ['', 'largest parts of the bundle', '', '', topPackages(f5.bytesByPackage)],
    ['', 'fresh node process loading the bundle', formatMs(cs.bundleProcessMs.median), spreadMs(cs.bundleProcessMs), `${cs.runs} runs`],
    ['', 'fresh node process loading an empty .mjs', formatMs(cs.emptyProcessMs.median), spreadMs(cs.emptyProcessMs), `${cs.runs} runs`],
    ['', 'added by the bundle (per pair)', formatMs(cs.addedMs.median), spreadMs(cs.addedMs), `ratio ${formatRatio(cs.ratio.median)}`],
    [
      '',
      'import() of the bundle, timed inside the process',
      formatMs(cs.importInProcessMs.median),
      spreadMs(cs.importInProcessMs),
      'Node start-up left out',
    ],
    [
      '',
      'the same without --enable-source-maps',
      formatMs(cs.importWithoutSourceMapsMs.median),
      spreadMs(cs.importWithoutSourceMapsMs),
      'deployed functions set it',
    ],
    [
      '6',
      'gateway GET /health',
      `${n(Math.round(f6.health.requestsPerSecond))} req/s`,
      `p50 ${f6.health.latencyMs.p50} ms, p99 ${f6.health.latencyMs.p99} ms`,
      loadNote(f6.health),
    ],
    [
      '',
      'gateway GET /whoami, valid key',
      `${n(Math.round(f6.whoami.requestsPerSecond))} req/s`,
      `p50 ${f6.whoami.latencyMs.p50} ms, p99 ${f6.whoami.latencyMs.p99} ms`,
      loadNote(f6.whoami),
    ],
    [
      '',
      'throughput /whoami ÷ /health',
      `${(f6.whoamiToHealthThroughput * 100).toFixed(1)}%`,
      '',
      `${f6.connections} connections, ${f6.durationSeconds} s each (2 halves, ABBA), autocannon in its own process`,
    ],
    [
      '',
      'gateway process CPU per request',
      `${(f6.whoami.gatewayCpuMicrosPerRequest ?? Number.NaN).toFixed(1)} µs`,
      `/health ${(f6.health.gatewayCpuMicrosPerRequest ?? Number.NaN).toFixed(1)} µs`,
      'user + system time of the process hosting the gateway',
    ],
    [
      '7',
      `no cache, ${n(f7.smallTableKeys)} keys in the table`,
      formatMs(f7.smallMs.median),
      spreadMs(f7.smallMs),
      `p99 ${formatMs(f7.smallMs.p99)}, ${n(f7.smallMs.n)} calls`,
    ],
    [
      '',
      `no cache, ${n(f7.largeTableKeys)} keys in the table`,
      formatMs(f7.largeMs.median),
      spreadMs(f7.largeMs),
      `p99 ${formatMs(f7.largeMs.p99)}, ${n(f7.largeMs.n)} calls`,
    ],
    [
      '',
      'ratio of medians',
      formatRatio(f7.largeToSmallMedian),
      '',
      `${f7.sampledKeysPerTable} keys sampled per table; seeding took ${f7.seedSeconds.large.toFixed(0)} s`,
    ],
    ...memoryRows(f7.memory),
    ...verdictMetricsRows(r.figure9),
    ...assertionRows(r.figure10),
  ];
  out.push(table(['#', 'figure', 'median', 'p25 – p75 / detail', 'notes'], rows));
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
      r.targets.map((t) => [`(${t.figure})`, t.description, t.status.toUpperCase(), t.measured]),
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
