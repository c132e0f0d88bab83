import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Dashboard, GraphWidget, MathExpression, Metric, TextWidget, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ROUTES } from '../lambdas/api-definition';
import {
  AUTHORIZER_SERVICE_NAME,
  CACHE_METRIC_NAMES,
  FUNCTION_NAME_DIMENSION,
  VERDICT_METRIC_NAMES,
  VERDICT_METRICS_NAMESPACE,
  VERDICT_OUTCOMES,
} from '../lambdas/observability/verdict-metric-names';
import { TABLE_OPERATIONS } from './key-alarms';

export interface KeyDashboardProps {
  readonly api: HttpApi;
  readonly authorizerFunction: IFunction;
  readonly table: Table;
}

const PERIOD = Duration.minutes(5);
const WIDE = 12;
const HEIGHT = 6;

/**
 * One CloudWatch dashboard for the system: requests and the authorizer's
 * verdicts by outcome (its EMF metrics, lambdas/observability), the
 * authorizer's verdict-cache hit rate, latency p50/p99, DynamoDB capacity
 * and throttles, and the key-management routes' 4xx/5xx.
 *
 * AWS metrics used, as documented:
 * - HTTP API `Count`, `Latency`, `4xx`, `5xx` by ApiId + Stage (and per route):
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
 * - Lambda `Duration` (p50, p99) by FunctionName: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 * - DynamoDB `ConsumedReadCapacityUnits`, `ConsumedWriteCapacityUnits` (Sum) by TableName, `ThrottledRequests`
 *   and `SystemErrors` by TableName + Operation: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 */
export class KeyDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: KeyDashboardProps) {
    super(scope, id);
    const { api, authorizerFunction: authorizer, table } = props;
    const stage = { ApiId: api.apiId, Stage: '$default' };
    const gateway = (metricName: string, statistic: string, label: string, dimensions: Record<string, string> = stage) =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, statistic, label, dimensionsMap: dimensions, period: PERIOD });
    // The authorizer's own metrics: the dimensions Powertools writes (`service`, plus the function's name).
    const verdictMetric = (metricName: string, label: string) =>
      new Metric({
        namespace: VERDICT_METRICS_NAMESPACE,
        metricName,
        statistic: 'Sum',
        label,
        dimensionsMap: { service: AUTHORIZER_SERVICE_NAME, [FUNCTION_NAME_DIMENSION]: authorizer.functionName },
        period: PERIOD,
      });

    const managementRoutes = ROUTES.filter((route) => route.auth === 'accessToken');
    // Route-level metrics: see KeyAlarms.management5xx for their dimensions.
    const perRoute = (metricName: string): IMetric[] =>
      managementRoutes.map((route) =>
        gateway(metricName, 'Sum', `${route.method} ${route.path}`, { ...stage, Method: route.method, Resource: route.path }),
      );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new TextWidget({
            markdown:
              "## User API keys\nVerdicts are counted by the authorizer itself (namespace `UserApiKeys`): requests answered from API Gateway's verdict cache never reach it. Each instance writes its counts once a minute.",
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: 'Requests (API Gateway, all routes)',
            left: [gateway('Count', 'Sum', 'requests'), gateway('4xx', 'Sum', '4xx'), gateway('5xx', 'Sum', '5xx')],
            width: WIDE,
            height: HEIGHT,
          }),
          new GraphWidget({
            title: 'Authorizer verdicts by outcome',
            left: VERDICT_OUTCOMES.map((outcome) => verdictMetric(VERDICT_METRIC_NAMES[outcome], outcome.toLowerCase())),
            stacked: true,
            width: WIDE,
            height: HEIGHT,
          }),
        ],
        [
          new GraphWidget({
            title: "Authorizer verdict cache hit rate (%, well-formed keys; the instance's cache, not the gateway's)",
            left: [
              new MathExpression({
                expression: '100 * hits / (hits + misses)',
                usingMetrics: {
                  hits: verdictMetric(CACHE_METRIC_NAMES.hits, 'hits'),
                  misses: verdictMetric(CACHE_METRIC_NAMES.misses, 'misses'),
                },
                label: 'hit rate',
                period: PERIOD,
              }),
            ],
            leftYAxis: { min: 0, max: 100 },
            width: WIDE,
            height: HEIGHT,
          }),
          new GraphWidget({
            title: 'Latency p50 / p99 (ms)',
            left: [gateway('Latency', 'p50', 'API Gateway p50'), gateway('Latency', 'p99', 'API Gateway p99')],
            right: [
              authorizer.metricDuration({ statistic: 'p50', label: 'authorizer p50', period: PERIOD }),
              authorizer.metricDuration({ statistic: 'p99', label: 'authorizer p99', period: PERIOD }),
            ],
            width: WIDE,
            height: HEIGHT,
          }),
        ],
        [
          new GraphWidget({
            title: 'DynamoDB consumed capacity (key table)',
            left: [
              table.metricConsumedReadCapacityUnits({ label: 'read units', period: PERIOD }),
              table.metricConsumedWriteCapacityUnits({ label: 'write units', period: PERIOD }),
            ],
            width: WIDE,
            height: HEIGHT,
          }),
          // Two graphs: both sums name their per-operation metrics alike, which one graph refuses.
          new GraphWidget({
            title: 'DynamoDB throttled requests',
            left: [table.metricThrottledRequestsForOperations({ operations: [...TABLE_OPERATIONS], label: 'throttled', period: PERIOD })],
            width: WIDE / 2,
            height: HEIGHT,
          }),
          new GraphWidget({
            title: 'DynamoDB system errors',
            left: [table.metricSystemErrorsForOperations({ operations: [...TABLE_OPERATIONS], label: 'system errors', period: PERIOD })],
            width: WIDE / 2,
            height: HEIGHT,
          }),
        ],
        [
          new GraphWidget({ title: 'Key management 4xx by route', left: perRoute('4xx'), stacked: true, width: WIDE, height: HEIGHT }),
          new GraphWidget({ title: 'Key management 5xx by route', left: perRoute('5xx'), stacked: true, width: WIDE, height: HEIGHT }),
        ],
      ],
    });
  }
}
