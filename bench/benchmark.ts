import { itemAt } from './arrays';
import { createLogger } from '../lambdas/observability/logger';
import { authorizerFactory } from './authorizers';
import { costModel } from './cost';
import { startBenchDynamoDb } from './dynamodb-setup';
import { measureAssertionSigning } from './figures/assertion-signing';
import { buildAuthorizerBundle, measureBundleColdStart } from './figures/bundle-cold-start';
import { measureCliVersion } from './figures/cli-version';
import { measureDeployedBundle } from './figures/deployed-bundle';
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
import { seedDeployedTable } from './deployed-table';
import { startSecretsManagerStub } from './secrets-manager-stub';

export interface BenchmarkInput {
  readonly plan: Plan;
  readonly progress: Progress;
  /** Everything the run starts is registered here; the caller stops it all, on success, error or signal. */
  readonly stops: StopRegistry;
  /** Filled in as the run goes: seconds each part took (meta.phaseSeconds). */
  readonly phases: Record<string, number>;
}

/**
 * Every figure, in this order: the tables are seeded first (the heavy writing
 * warms DynamoDB Local's JVM) and the bundle built, then the deployed bundle's
 * figure 1 in its child process, then the in-process micro figures, then
 * those that read DynamoDB, then the ones that start processes of their own.
 */
export async function runBenchmark({ plan, progress, stops, phases }: BenchmarkInput): Promise<Figures> {
  const timed = async <T>(name: string, part: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await part();
    } finally {
      phases[name] = Math.round((Date.now() - start) / 100) / 10;
    }
  };
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'; // no log output; the logger's calls still run
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const logger = createLogger('api-key-authorizer');
  const nowMs = Date.now();

  const dynamodb = await timed('DynamoDB Local start', () => startBenchDynamoDb(stops, progress));
  const { counter } = dynamodb;
  const authorizers = authorizerFactory(dynamodb.client, logger);
  const tables = await timed('seeding', () => seedBenchTables(dynamodb.admin, plan, nowMs, progress));
  const deployedTable = await timed('deployed table', () => seedDeployedTable(dynamodb.endpoint, nowMs));
  const bundle = await timed('bundle', () => buildAuthorizerBundle(stops, progress));
  const secrets = await startSecretsManagerStub(new Date(nowMs));
  stops.add('Secrets Manager stand-in', () => secrets.stop());
  const local = { dynamodbEndpoint: dynamodb.endpoint, secretsManagerEndpoint: secrets.endpoint };

  const deployed = await timed('figure 1 (deployed bundle)', () =>
    measureDeployedBundle({
      bundleFile: bundle.file,
      outDir: bundle.outDir,
      bundleBytes: bundle.bytes,
      table: deployedTable,
      dynamodbEndpoint: dynamodb.endpoint,
      secretsManagerEndpoint: secrets.endpoint,
      plan: plan.deployed,
      nowMs,
      stops,
      progress,
    }),
  );
  const {
    verdictCache,
    figure1: inProcess,
    figure3,
    figure4,
  } = await timed('figures 1 (in process), 3, 4', () =>
    measureVerdictCost({
      authorizers,
      counter,
      tableName: tables.small.name,
      keys: tables.small.keys,
      logger,
      plan,
      nowMs,
      progress,
    }),
  );
  const figure9 = await timed('figure 9', () =>
    measureVerdictMetricsCost({
      authorizers,
      tableName: tables.small.name,
      keys: tables.small.keys,
      plan,
      progress,
    }),
  );
  const figure10 = await timed('figure 10', () =>
    measureAssertionSigning({
      authorizers,
      tableName: tables.small.name,
      keys: tables.small.keys,
      logger,
      plan,
      progress,
    }),
  );
  const figure2 = await timed('figure 2', () =>
    measureUncachedDynamoDb({
      authorizers,
      counter,
      tableName: tables.small.name,
      key: itemAt(tables.small.keys, 100),
      plan: plan.figure2,
      progress,
    }),
  );
  const figure7 = await timed('figure 7', () => measureScale({ authorizers, counter, tables, plan: plan.scale, stops, progress }));
  const figure5 = await timed('figure 5', () =>
    measureBundleColdStart({
      bundle,
      runs: plan.coldStartRuns,
      warmCalls: plan.coldStartWarmCalls,
      table: deployedTable,
      local,
      stops,
      progress,
    }),
  );
  const figure6 = await timed('figure 6', () =>
    measureGatewayThroughput({
      dynamodbEndpoint: dynamodb.endpoint,
      admin: dynamodb.admin,
      logger,
      plan: plan.gateway,
      stops,
      progress,
    }),
  );
  const figure11 = await timed('figure 11', () => measureCliVersion({ runs: plan.cliVersionRuns, stops, progress }));
  const figure8 = costModel({
    measuredDurationMs: figure2.perCallMs.median,
    authorizerMemoryMb: AUTHORIZER_MEMORY_MB,
    hitRates: [0, 0.9, 0.99],
  });
  const figure1 = { deployed, inProcess };
  return { verdictCache, figure1, figure2, figure3, figure4, figure5, figure6, figure7, figure8, figure9, figure10, figure11 };
}
