import type { Figures, Target } from './results';

/**
 * The targets BENCHMARKS.md sets, judged from the figures. T1 and T4 are
 * pending, not missed, when the verdict cache did not take effect: then
 * figure 1 measured something else.
 */
export function judgeTargets(r: Figures): Target[] {
  const cacheActive = r.verdictCache.status === 'active';
  const pendingNote = cacheActive ? '' : ' (verdict cache not active in lambdas/: measured without it)';
  const f1 = r.figure1.authorizerCachedNs.median;
  const f1Ratio = r.figure1.ratioToSha256.median;
  const rejectionCalls = r.figure3.countPass.dynamoDb.reads + r.figure3.countPass.dynamoDb.writes + r.figure3.countPass.dynamoDb.other;
  const jwtRatio = r.figure4.ratioToFigure1.median;
  const added = r.figure5.coldStart.addedMs.median;
  const metricsRatio = r.figure9.ratioWithToWithout;
  const countingShare = r.figure9.countPerRequestNs.median / r.figure9.cachedWithoutMetricsNs.median;
  const status = (ok: boolean): Target['status'] => (ok ? 'pass' : 'miss');
  return [
    {
      id: 'T1',
      figure: 1,
      description: 'cached authorizer call < 5 µs and < 10× one bare SHA-256',
      status: cacheActive ? status(f1 < 5_000 && f1Ratio < 10) : 'pending',
      measured: `${(f1 / 1000).toPrecision(3)} µs, ${f1Ratio.toPrecision(3)}× SHA-256${pendingNote}`,
    },
    {
      id: 'T2',
      figure: 2,
      description: 'uncached verification: exactly 1 DynamoDB read and 0 writes per call on the request path',
      status: status(r.figure2.readsPerVerification === 1 && r.figure2.writesPerVerification === 0),
      measured: `${r.figure2.readsPerVerification} read(s), ${r.figure2.writesPerVerification} write(s) per verification`,
    },
    {
      id: 'T3',
      figure: 3,
      description: 'garbage and mistyped keys: zero DynamoDB calls',
      status: status(rejectionCalls === 0 && r.figure3.countPass.allRefused),
      measured: `${rejectionCalls} calls over ${r.figure3.countPass.rejections.toLocaleString('en-US')} rejections`,
    },
    {
      id: 'T4',
      figure: 4,
      description: 'cached key check at least 20× faster than the JWT check',
      status: cacheActive ? status(jwtRatio >= 20) : 'pending',
      measured: `JWT takes ${jwtRatio.toPrecision(3)}× as long${pendingNote}`,
    },
    {
      id: 'T5',
      figure: 5,
      description: 'bundle < 350 KB minified (350,000 bytes), cold load adds < 60 ms over an empty module',
      status: status(r.figure5.bundleBytes < 350_000 && added < 60),
      measured: `${(r.figure5.bundleBytes / 1000).toFixed(1)} KB, +${added.toFixed(1)} ms`,
    },
    {
      id: 'T6',
      figure: 6,
      description: '/whoami throughput ≥ 90% of /health through the local gateway',
      status: status(r.figure6.whoamiToHealthThroughput >= 0.9),
      measured: `${(r.figure6.whoamiToHealthThroughput * 100).toFixed(1)}%`,
    },
    {
      id: 'T7',
      figure: 7,
      description: `latency with ${r.figure7.largeTableKeys.toLocaleString('en-US')} keys within 20% of ${r.figure7.smallTableKeys.toLocaleString('en-US')} keys`,
      status: status(r.figure7.largeToSmallMedian <= 1.2),
      measured: `${r.figure7.largeToSmallMedian.toPrecision(3)}× (medians ${r.figure7.largeMs.median.toPrecision(3)} vs ${r.figure7.smallMs.median.toPrecision(3)} ms)`,
    },
    {
      id: 'T8',
      figure: 9,
      description: 'counting verdicts adds under 2% to the cached allow (tick + count alone, against figure 1 without them)',
      status: status(countingShare < 0.02),
      measured:
        `${(countingShare * 100).toFixed(2)}% (${r.figure9.countPerRequestNs.median.toFixed(0)} ns); with/without per round ` +
        `${metricsRatio.median.toPrecision(3)}× (p25 ${metricsRatio.p25.toPrecision(3)}, p75 ${metricsRatio.p75.toPrecision(3)})`,
    },
  ];
}
