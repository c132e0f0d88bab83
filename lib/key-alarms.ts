import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ROUTES } from '../lambdas/api-definition';

export interface KeyAlarmsProps {
  readonly api: HttpApi;
  /** A Function rather than an IFunction: the duration alarm reads its timeout. */
  readonly authorizerFunction: LambdaFunction;
  readonly table: Table;
  /** The assertion signing key's rotation function (Secrets Manager invokes it): its errors leave the first key unmade, or a rotation stuck. */
  readonly signingKeyRotationFunction?: LambdaFunction | undefined;
  /** An existing SNS topic every alarm notifies. */
  readonly alarmTopicArn?: string | undefined;
  /** Or an address: a new topic is created and subscribes it. Not both (the config refuses it). */
  readonly alarmEmail?: string | undefined;
}

/** The id of the synth warning when no alarm reaches anyone (`cdk synth` and `cdk deploy` print it). */
export const NO_ALARM_DESTINATION_WARNING = 'user-api-keys:alarms:noDestination';

/** The authorizer's p99 duration above this share of its timeout is an alarm: next come timeouts, which clients see as 500s. */
export const DURATION_ALARM_SHARE_OF_TIMEOUT = 0.8;

/** The operations this project makes on the key table (the functions' grants), for the per-operation DynamoDB metrics. */
export const TABLE_OPERATIONS: readonly Operation[] = [
  Operation.GET_ITEM,
  Operation.QUERY,
  Operation.BATCH_GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

/** Lambda's own default, which CloudFormation applies when a function sets none. */
const LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(3);

/**
 * Alarms on what should never happen: authorizer errors, throttles and near
 * timeouts, 5xx from the key-management routes and from the stage as a whole,
 * DynamoDB throttling and system errors, and a failed signing key rotation. Each notifies the alarm topic when
 * there is one (`alarmEmail` creates it, `alarmTopicArn` names yours).
 *
 * Metric names, dimensions and statistics, as AWS documents them:
 * - Lambda `Errors`, `Throttles` (Sum), `Duration` (percentiles), by FunctionName:
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 *   (`Errors` counts function errors only; a throttled invocation shows in `Throttles`).
 * - HTTP API `5xx` (Sum) by ApiId + Stage:
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
 * - DynamoDB `ThrottledRequests`, `SystemErrors` (Sum) by TableName + Operation:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 */
export class KeyAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  /** The topic the alarms notify, if any. */
  readonly topic?: ITopic | undefined;

  constructor(scope: Construct, id: string, props: KeyAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const authorizer = props.authorizerFunction;
    // The first three keep the ids (and so the logical IDs) they were deployed with.
    this.alarm(
      'AuthorizerErrors',
      authorizer.metricErrors({ period }),
      'The API-key authorizer failed (clients got 500s; nothing was let in)',
    );
    this.alarm('ManagementServerErrors', this.management5xx(props.api, period), 'Key-management routes answered 5xx');
    this.alarm(
      'TableThrottling',
      props.table.metricThrottledRequestsForOperations({ operations: [...TABLE_OPERATIONS], period }),
      'DynamoDB throttled requests to the key table',
    );
    this.alarm(
      'AuthorizerThrottles',
      authorizer.metricThrottles({ period, statistic: 'Sum' }),
      'Lambda throttled the API-key authorizer (its concurrency ran out): clients got 500s, which the Errors alarm does not count',
    );
    const timeoutMs = (authorizer.timeout ?? LAMBDA_DEFAULT_TIMEOUT).toMilliseconds();
    this.alarm(
      'AuthorizerNearTimeout',
      authorizer.metricDuration({ period, statistic: 'p99' }),
      `The API-key authorizer's p99 duration is above ${DURATION_ALARM_SHARE_OF_TIMEOUT * 100}% of its ${timeoutMs} ms timeout: DynamoDB is slow, and timeouts (500s) come next`,
      { threshold: Math.round(timeoutMs * DURATION_ALARM_SHARE_OF_TIMEOUT), comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    this.alarm(
      'StageServerErrors',
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5xx',
        statistic: 'Sum',
        dimensionsMap: { ApiId: props.api.apiId, Stage: '$default' },
        period,
      }),
      'The API answered 5xx on some route (the authorizer failing, a backend failing or unreachable, a management function failing)',
    );
    this.alarm(
      'TableSystemErrors',
      props.table.metricSystemErrorsForOperations({ operations: [...TABLE_OPERATIONS], period }),
      'DynamoDB answered the key table with internal errors (HTTP 500)',
    );
    if (props.signingKeyRotationFunction !== undefined) {
      // The first rotation runs unwatched after the first deploy (CloudFormation does not wait for it): until it
      // succeeds there is no key, and every protected route answers 500. A later failure leaves AWSPENDING behind.
      this.alarm(
        'SigningKeyRotationErrors',
        props.signingKeyRotationFunction.metricErrors({ period }),
        'The assertion signing key rotation failed: with no key yet the authorizer answers 500; README "Check the first key; recover a stuck rotation" says how to recover',
      );
    }

    this.topic = this.alarmTopic(props);
    if (this.topic === undefined) {
      Annotations.of(this).addWarningV2(
        NO_ALARM_DESTINATION_WARNING,
        'The alarms notify nobody: set alarmEmail (an address; the stack creates the topic) or alarmTopicArn (your SNS topic).',
      );
    } else {
      const action = new SnsAction(this.topic);
      for (const created of this.alarms) created.addAlarmAction(action);
    }
  }

  private alarmTopic(props: KeyAlarmsProps): ITopic | undefined {
    if (props.alarmTopicArn !== undefined) return Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
    if (props.alarmEmail === undefined) return undefined;
    // Encrypted at rest, and TLS only below (cdk-nag AwsSolutions-SNS3 asks for one of the two), with a key of our own: CloudWatch alarms cannot use SNS's AWS-managed
    // key, whose policy does not let them call kms:GenerateDataKey/Decrypt and cannot be edited
    // (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'User API keys: the alarm topic',
      enableKeyRotation: true,
      // It encrypts alarm messages only while SNS holds them for delivery: no reason to outlive the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new Topic(this, 'AlarmTopic', { displayName: 'User API keys alarms', masterKey: key, enforceSSL: true });
    // enforceSSL gives the topic a policy of its own (a Deny without TLS), which replaces SNS's default one:
    // CloudWatch alarms now need an explicit Allow, for this account's alarms only
    // (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` } },
      }),
    );
    topic.addSubscription(new EmailSubscription(props.alarmEmail));
    return topic;
  }

  /**
   * Every management route's 5xx, summed. Route-level HTTP API metrics need the stage's detailed
   * metrics (on). AWS's page names their dimensions "ApiId, Stage, Route"; what HTTP APIs are seen
   * to publish is ApiId, Stage, Method and Resource (a v2 `/apis/` ARN's `4xx` listed with them:
   * https://github.com/prometheus-community/yet-another-cloudwatch-exporter/issues/1031), which this keeps.
   */
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

  private alarm(
    id: string,
    metric: IMetric,
    description: string,
    options: AlarmThreshold = { threshold: 1, comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD },
  ): void {
    this.alarms.push(firstBadDatapointAlarm(this, id, metric, description, options));
  }
}

export interface AlarmThreshold {
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
}

/**
 * The house alarm: on its first bad 5-minute datapoint, and quiet without
 * data (no datapoint means no request, no message: nothing failed).
 */
export function firstBadDatapointAlarm(scope: Construct, id: string, metric: IMetric, description: string, options: AlarmThreshold): Alarm {
  return new Alarm(scope, id, {
    metric,
    alarmDescription: description,
    threshold: options.threshold,
    evaluationPeriods: 1,
    comparisonOperator: options.comparison,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
