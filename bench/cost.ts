/**
 * Figure 8: dollars per million requests to routes protected by API keys.
 *
 * List prices for us-east-1 as known to the author (AWS pricing pages as of
 * mid-2025, after DynamoDB's on-demand price cut of 1 November 2024). They are
 * NOT fetched live: this benchmark runs offline. Free tiers, data transfer and
 * the protected backend's own cost are left out.
 */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2025-06',
  apiGatewayHttpApiPerMillionRequests: 1.0, // first 300 million a month; $0.90 after; metered per 512 KB
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334, // Arm64, first 7.5 billion GB-seconds a month
  dynamoDbOnDemandPerMillionReadRequestUnits: 0.125, // a strongly consistent GetItem of up to 4 KB = 1 RRU
  dynamoDbOnDemandPerMillionWriteRequestUnits: 0.625, // an UpdateItem of up to 1 KB = 1 WRU, even when its condition fails
  cloudWatchLogsIngestionPerGb: 0.5,
} as const;

export interface CostLine {
  readonly gatewayCacheHitRate: number;
  readonly authorizerInvocations: number;
  readonly apiGateway: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly dynamoDbReads: number;
  /** Dollars per million requests, which is also micro-dollars per request. */
  readonly total: number;
}

export interface CostModel {
  readonly prices: typeof PRICES;
  readonly authorizerMemoryMb: number;
  /** Figure 2's median, rounded up to Lambda's 1 ms billing granularity. */
  readonly billedDurationMs: number;
  readonly measuredDurationMs: number;
  readonly readRequestUnitsPerVerification: number;
  readonly lines: readonly CostLine[];
  readonly assumptions: readonly string[];
}

export function costModel(options: { measuredDurationMs: number; authorizerMemoryMb: number; hitRates: readonly number[] }): CostModel {
  const billedDurationMs = Math.max(1, Math.ceil(options.measuredDurationMs));
  const gb = options.authorizerMemoryMb / 1024;
  const million = 1_000_000;
  const lines = options.hitRates.map((hitRate): CostLine => {
    const invocations = million * (1 - hitRate);
    const apiGateway = PRICES.apiGatewayHttpApiPerMillionRequests;
    const lambdaRequests = (invocations / million) * PRICES.lambdaPerMillionRequests;
    const lambdaDuration = invocations * (billedDurationMs / 1000) * gb * PRICES.lambdaArmPerGbSecond;
    const dynamoDbReads = (invocations / million) * PRICES.dynamoDbOnDemandPerMillionReadRequestUnits;
    const total = apiGateway + lambdaRequests + lambdaDuration + dynamoDbReads;
    return {
      gatewayCacheHitRate: hitRate,
      authorizerInvocations: invocations,
      apiGateway,
      lambdaRequests,
      lambdaDuration,
      dynamoDbReads,
      total,
    };
  });
  return {
    prices: PRICES,
    authorizerMemoryMb: options.authorizerMemoryMb,
    billedDurationMs,
    measuredDurationMs: options.measuredDurationMs,
    readRequestUnitsPerVerification: 1,
    lines,
    assumptions: [
      'Every request is billed by API Gateway, cached verdict or not.',
      "A gateway-cache miss invokes the authorizer once; it is billed at figure 2's median (DynamoDB Local on this machine), rounded up to the ms, at the deployed 512 MB on Arm64.",
      'Every invocation reads DynamoDB once (1 RRU, strongly consistent, item < 4 KB): an upper bound, since the in-instance verdict cache answers some misses without a read (and in about 1 ms).',
      'Last-used bookkeeping is per key, not per request: at most one conditional UpdateItem (1 WRU, $0.625 per million) per key per minute per warm instance.',
      'Not included: free tiers, data transfer, CloudWatch Logs (Lambda platform lines of roughly 0.3 KB per invocation are about $0.15 per million invocations at $0.50/GB), INIT billing of cold starts, and the protected backend.',
    ],
  };
}
