import { itemAt } from './arrays';
import { createLogger } from '../lambdas/observability/logger';
import { authorizerFactory } from './authorizers';
import { costModel } from './cost';
import { startBenchDynamoDb } from './dynamodb-setup';
import { measureAssertionSigning } from './figures/assertion-signing';
import { measureBundleColdStart } from './figures/bundle-cold-start';
import { measureGatewayThroughput } from './figures/gateway';
import { measureScale } from './figures/scale';
import { measureUncachedDynamoDb } from './figures/uncached-dynamodb';
import { measureVerdictCost } from './figures/verdict-cost';
import { measureVerdictMetricsCost } from './figures/verdict-metrics-cost';
import type { Progress } from './output';
import { AUTHORIZER_MEMORY_MB, type Plan } from './plan';
import type { Figures } from './results';
import type { StopRegistry } from './stop-registry';
import { seedBenchTables } from './tables';

export interface BenchmarkInput {
  readonly plan: Plan;
  readonly progress: Progress;
  /** Everything the run starts is registered here; the caller stops it all, on success, error or signal. */
  readonly stops: StopRegistry;
}

/**
 * Every figure, in this order: the tables are seeded first (the heavy writing
 * warms DynamoDB Local's JVM), then the CPU-bound micro figures, then those
 * that read DynamoDB, then the ones that start processes of their own.
 */
export async function runBenchmark({ plan, progress, stops }: BenchmarkInput): Promise<Figures> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'; // no log output; the logger's calls still run
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const logger = createLogger('api-key-authorizer');
  const nowMs = Date.now();

  const dynamodb = await startBenchDynamoDb(stops, progress);
  const { counter } = dynamodb;
  const authorizers = authorizerFactory(dynamodb.client, logger);
  const tables = await seedBenchTables(dynamodb.admin, plan, nowMs, progress);

  const { verdictCache, figure1, figure3, figure4 } = await measureVerdictCost({
    authorizers,
    counter,
    tableName: tables.small.name,
    keys: tables.small.keys,
    logger,
    plan,
    nowMs,
    progress,
  });
  const figure9 = await measureVerdictMetricsCost({
    authorizers,
    tableName: tables.small.name,
    keys: tables.small.keys,
    plan,
    progress,
  });
  const figure10 = await measureAssertionSigning({
    authorizers,
    tableName: tables.small.name,
    keys: tables.small.keys,
    logger,
    plan,
    progress,
  });
  const figure2 = await measureUncachedDynamoDb({
    authorizers,
    counter,
    tableName: tables.small.name,
    key: itemAt(tables.small.keys, 100),
    plan: plan.figure2,
    progress,
  });
  const figure7 = await measureScale({ authorizers, counter, tables, plan: plan.scale, stops, progress });
  const figure5 = await measureBundleColdStart({ runs: plan.coldStartRuns, stops, progress });
  const figure6 = await measureGatewayThroughput({
    dynamodbEndpoint: dynamodb.endpoint,
    admin: dynamodb.admin,
    logger,
    plan: plan.gateway,
    stops,
    progress,
  });
  const figure8 = costModel({
    measuredDurationMs: figure2.perCallMs.median,
    authorizerMemoryMb: AUTHORIZER_MEMORY_MB,
    hitRates: [0, 0.9, 0.99],
  });
  return { verdictCache, figure1, figure2, figure3, figure4, figure5, figure6, figure7, figure8, figure9, figure10 };
}
