import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ROUTES } from '../lambdas/api-definition';

export interface KeyAlarmsProps {
  readonly api: HttpApi;
  readonly authorizerFunction: IFunction;
  readonly table: Table;
  /** The SNS topic every alarm notifies; without one the alarms only change state. */
  readonly alarmTopicArn?: string | undefined;
}

/** Alarms on what should never happen: authorizer failures, key-management 5xx, DynamoDB throttling. */
export class KeyAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: KeyAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    this.alarm(
      'AuthorizerErrors',
      props.authorizerFunction.metricErrors({ period }),
      'The API-key authorizer failed (clients got 500s; nothing was let in)',
    );
    this.alarm('ManagementServerErrors', this.management5xx(props.api, period), 'Key-management routes answered 5xx');
    this.alarm(
      'TableThrottling',
      props.table.metricThrottledRequestsForOperations({
        operations: [
          Operation.GET_ITEM,
          Operation.QUERY,
          Operation.BATCH_GET_ITEM,
          Operation.PUT_ITEM,
          Operation.UPDATE_ITEM,
          Operation.TRANSACT_WRITE_ITEMS,
        ],
        period,
      }),
      'DynamoDB throttled requests to the key table',
    );
    if (props.alarmTopicArn !== undefined) {
      const topic = Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
      for (const created of this.alarms) created.addAlarmAction(new SnsAction(topic));
    }
  }

  /** Every management route's 5xx, summed. */
  private management5xx(api: HttpApi, period: Duration): MathExpression {
    const managementRoutes = ROUTES.filter((route) => route.auth === 'accessToken');
    return new MathExpression({
      label: 'Key management 5xx',
      // FILL: a route without traffic has no datapoint, which would blank the sum.
      expression: managementRoutes.map((_, i) => `FILL(m${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(
        managementRoutes.map((route, i) => [
          `m${i}`,
          new Metric({
            namespace: 'AWS/ApiGateway',
            metricName: '5xx',
            statistic: 'Sum',
            dimensionsMap: { ApiId: api.apiId, Stage: '$default', Method: route.method, Resource: route.path },
          }),
        ]),
      ),
      period,
    });
  }

  private alarm(id: string, metric: IMetric, description: string): void {
    this.alarms.push(
      new Alarm(this, id, {
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
