import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_KEY_CREATION_THROTTLE, ROUTES } from '../../lambdas/api-definition';
import { ConfigError } from '../../lambdas/settings/config-error';
import { CACHE_METRIC_NAMES, VERDICT_METRIC_NAMES, VERDICT_METRICS_NAMESPACE } from '../../lambdas/observability/verdict-metric-names';
import { buildApp } from '../../lib/app';
import { loadStackConfig } from '../../lib/stack-config';
import { UserApiKeys, type UserApiKeysProps } from '../../lib/user-api-keys';
import { DURATION_ALARM_SHARE_OF_TIMEOUT, NO_ALARM_DESTINATION_WARNING } from '../../lib/key-alarms';
import { BASE_CONTEXT, EXAMPLE_AUTH0 as AUTH0, type Resource, type Resources } from './synth-context';

/** The construct in a stack of its own (no bundling); the app's own settings loader and cdk-nag are tested on their own below. */
function synth(props: Partial<UserApiKeysProps> = {}) {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Alarms');
  new UserApiKeys(stack, 'Keys', { ...AUTH0, ...props });
  return { stack, template: Template.fromStack(stack) };
}

const resourcesOf = (template: Template) => template.toJSON().Resources as Resources;
const ofType = (template: Template, type: string) => Object.entries(resourcesOf(template)).filter(([, r]) => r.Type === type);
const authorizerId = (template: Template) =>
  ofType(template, 'AWS::Lambda::Function').find(([, r]) => r.Properties.Description === 'API key authorizer')![0];
const alarmNamed = (template: Template, id: string): Resource => {
  const found = ofType(template, 'AWS::CloudWatch::Alarm').filter(([logicalId]) => logicalId.includes(id));
  expect(found).toHaveLength(1);
  return found[0]![1];
};
/** A math-expression alarm's metrics, by their dimensions. */
const statMetrics = (alarm: Resource) =>
  (alarm.Properties.Metrics as any[])
    .filter((m) => m.MetricStat !== undefined)
    .map((m) => ({
      name: m.MetricStat.Metric.MetricName as string,
      stat: m.MetricStat.Stat as string,
      dimensions: Object.fromEntries(m.MetricStat.Metric.Dimensions.map((d: any) => [d.Name, d.Value])),
    }));

describe('alarms', () => {
  const { stack, template } = synth();
  const authorizer = authorizerId(template);

  it('keeps the three alarms it had and adds throttles, near-timeout, stage 5xx and DynamoDB system errors', () => {
    const ids = ofType(template, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    for (const name of [
      'AuthorizerErrors',
      'ManagementServerErrors',
      'TableThrottling',
      'AuthorizerThrottles',
      'AuthorizerNearTimeout',
      'StageServerErrors',
      'TableSystemErrors',
      'SigningKeyRotationErrors',
    ]) {
      expect(ids.filter((id) => id.includes(name))).toHaveLength(1);
    }
    // And the lifecycle events' five (test/infra/lifecycle-events.test.ts).
    expect(ids.filter((id) => !id.includes('LifecycleEvents'))).toHaveLength(8);
    expect(ids).toHaveLength(13);
  });

  it('alarms on the signing key rotation failing: the first key is made unwatched after the first deploy', () => {
    const [[rotationId]] = ofType(template, 'AWS::Lambda::Function').filter(
      ([, r]) => r.Properties.Description === 'Rotates the assertion signing key (Secrets Manager)',
    ) as [[string, Resource]];
    expect(alarmNamed(template, 'SigningKeyRotationErrors').Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: rotationId } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on the authorizer being throttled, which its Errors metric does not count', () => {
    expect(alarmNamed(template, 'AuthorizerThrottles').Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: authorizer } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it("alarms when the authorizer's p99 duration passes 80% of its own timeout", () => {
    const timeoutSeconds = resourcesOf(template)[authorizer]!.Properties.Timeout as number;
    expect(timeoutSeconds).toBeGreaterThan(0);
    expect(alarmNamed(template, 'AuthorizerNearTimeout').Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: authorizer } }],
      Threshold: timeoutSeconds * 1000 * DURATION_ALARM_SHARE_OF_TIMEOUT,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on 5xx from the whole stage (ApiId and Stage, no route)', () => {
    const [[apiId]] = ofType(template, 'AWS::ApiGatewayV2::Api') as [[string, Resource]];
    expect(alarmNamed(template, 'StageServerErrors').Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: apiId } },
        { Name: 'Stage', Value: '$default' },
      ],
      Threshold: 1,
    });
  });

  it("alarms on DynamoDB system errors for each of the table's operations", () => {
    const [[tableId]] = ofType(template, 'AWS::DynamoDB::Table') as [[string, Resource]];
    const metrics = statMetrics(alarmNamed(template, 'TableSystemErrors'));
    expect(metrics.length).toBeGreaterThanOrEqual(6);
    for (const metric of metrics) {
      expect(metric).toMatchObject({ name: 'SystemErrors', stat: 'Sum', dimensions: { TableName: { Ref: tableId } } });
    }
    expect(metrics.map((m) => m.dimensions.Operation).sort()).toEqual(
      ['BatchGetItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'].sort(),
    );
  });

  it('warns at synth, and notifies nobody, when no destination is set', () => {
    for (const [, alarm] of ofType(template, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties.AlarmActions).toBeUndefined();
    expect(ofType(template, 'AWS::SNS::Topic')).toHaveLength(0);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('alarms notify nobody: set alarmEmail .* or alarmTopicArn'));
    expect(JSON.stringify(Annotations.fromStack(stack).findWarning('*', Match.anyValue()))).toContain(NO_ALARM_DESTINATION_WARNING);
  });
});

describe('alarmEmail', () => {
  const { stack, template } = synth({ alarmEmail: 'ops@example.com' });
  const [[topicId, topic]] = ofType(template, 'AWS::SNS::Topic') as [[string, Resource]];

  it('creates an encrypted topic, subscribes the address, and points every alarm at it', () => {
    const [[keyId, key]] = ofType(template, 'AWS::KMS::Key').filter(([id]) => id.includes('AlarmTopicKey')) as [[string, Resource]];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
    const alarms = ofType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(13);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('notify nobody'))).toHaveLength(0);
  });

  it('lets CloudWatch alarms use the key and publish, and refuses publishing without TLS', () => {
    const [, key] = ofType(template, 'AWS::KMS::Key').find(([id]) => id.includes('AlarmTopicKey'))!;
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    const [[, policy]] = ofType(template, 'AWS::SNS::TopicPolicy') as [[string, Resource]];
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const allow = statements.find((s) => s.Effect === 'Allow');
    expect(allow).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: topicId } });
    expect(JSON.stringify(allow.Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:*');
  });

  it('passes cdk-nag: the topic is encrypted and TLS only (with neither, AwsSolutions-SNS3 fails the synth)', () => {
    const { app } = buildApp(new App({ context: { ...BASE_CONTEXT, alarmEmail: 'ops@example.com' } }));
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a value that is not one address, and refuses it with alarmTopicArn, naming the setting', () => {
    expect(() => synth({ alarmEmail: 'ops@example.com,dev@example.com' })).toThrow(/^alarmEmail must be one email address/);
    expect(() => synth({ alarmEmail: 'ops' })).toThrow(ConfigError);
    expect(() => synth({ alarmEmail: 'ops@example.com', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' })).toThrow(
      /^alarmEmail: set alarmEmail \(a new topic\) or alarmTopicArn \(your topic\), not both$/,
    );
  });

  it('is read from CDK context or ALARM_EMAIL, like every stack setting', () => {
    const env: Record<string, string> = { ALARM_EMAIL: 'env@example.com' };
    const read = (context: Record<string, string>) =>
      loadStackConfig((name, envName) => context[name] ?? (envName === undefined ? undefined : env[envName]));
    expect(read(AUTH0).alarmEmail).toBe('env@example.com');
    expect(read({ ...AUTH0, alarmEmail: 'context@example.com' }).alarmEmail).toBe('context@example.com');
    expect(() => read({ ...AUTH0, alarmEmail: 'not an address' })).toThrow(/^alarmEmail must be one email address/);
  });
});

describe('alarmTopicArn', () => {
  it('points every alarm at the given topic and creates none', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:alarms';
    const { template } = synth({ alarmTopicArn: arn });
    expect(ofType(template, 'AWS::SNS::Topic')).toHaveLength(0);
    const alarms = ofType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(13);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([arn]);
  });
});

/** The dashboard body with every token (a Ref, a GetAtt) replaced by its logical ID, parsed. */
function dashboardBody(template: Template): { widgets: { properties: { metrics?: unknown[][]; title?: string } }[] } {
  const [[, dashboard]] = ofType(template, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
  const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const text = parts
    .map((part) => (typeof part === 'string' ? part : ((part as any).Ref ?? (part as any)['Fn::GetAtt']?.[0] ?? 'TOKEN')))
    .join('');
  return JSON.parse(text);
}

describe('dashboard', () => {
  const { template } = synth();
  const body = dashboardBody(template);
  const metricRows = body.widgets.flatMap((widget) => widget.properties.metrics ?? []);
  /** [namespace, name, dim, value, ...] rows; "." repeats the row above's value, which CDK does not write. */
  const rowsIn = (namespace: string) => metricRows.filter((row) => row[0] === namespace);

  it('graphs every metric the authorizer emits, and only those, with the dimensions it writes', () => {
    const emitted = [...Object.values(VERDICT_METRIC_NAMES), ...Object.values(CACHE_METRIC_NAMES)];
    const graphed = rowsIn(VERDICT_METRICS_NAMESPACE).map((row) => row[1] as string);
    expect([...new Set(graphed)].sort()).toEqual([...emitted].sort());
    for (const row of rowsIn(VERDICT_METRICS_NAMESPACE)) {
      const dimensions = Object.fromEntries([0, 2].map((i) => [row[2 + i], row[3 + i]]));
      expect(dimensions).toEqual({ service: 'api-key-authorizer', FunctionName: authorizerId(template) });
      expect(typeof row[6]).toBe('object'); // the options; no third dimension
    }
  });

  it('shows the cache hit rate as hits / (hits + misses)', () => {
    expect(JSON.stringify(body)).toContain('100 * hits / (hits + misses)');
  });

  it('shows latency p50 and p99 from API Gateway and the authorizer', () => {
    const stats = (namespace: string, name: string) =>
      metricRows
        .filter((row) => row[0] === namespace && row[1] === name)
        .map((row) => (row[row.length - 1] as { stat?: string }).stat)
        .sort();
    expect(stats('AWS/ApiGateway', 'Latency')).toEqual(['p50', 'p99']);
    expect(stats('AWS/Lambda', 'Duration')).toEqual(['p50', 'p99']);
  });

  it('shows DynamoDB consumed capacity and throttles', () => {
    const names = rowsIn('AWS/DynamoDB').map((row) => row[1]);
    expect(names).toEqual(expect.arrayContaining(['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits', 'ThrottledRequests']));
  });

  it('shows 4xx and 5xx for every key-management route', () => {
    const management = ROUTES.filter((route) => route.auth === 'accessToken');
    for (const metricName of ['4xx', '5xx']) {
      const routes = rowsIn('AWS/ApiGateway')
        .filter((row) => row[1] === metricName && row.includes('Method'))
        .map((row) => `${String(row[row.indexOf('Method') + 1])} ${String(row[row.indexOf('Resource') + 1])}`);
      expect(routes.sort()).toEqual(management.map((route) => `${route.method} ${route.path}`).sort());
    }
  });
});

describe('the key-creation throttle', () => {
  const routeSettings = (props: Partial<UserApiKeysProps>) => {
    const [[, stage]] = ofType(synth(props).template, 'AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    return stage.Properties.RouteSettings;
  };

  it('is a setting, applied to both key-creation routes and the token exchange', () => {
    expect(routeSettings({ keyCreationRateLimit: 7, keyCreationBurstLimit: 3 })).toEqual({
      'POST /keys': { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 3 },
      'POST /keys/{id}/rotate': { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 3 },
      'POST /oauth/token': { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 3 },
    });
  });

  it('defaults to a ceiling of 50/s, burst 100, all callers together (each owner has a budget of its own in DynamoDB)', () => {
    expect(routeSettings({})).toEqual({
      'POST /keys': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /keys/{id}/rotate': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /oauth/token': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    expect(DEFAULT_KEY_CREATION_THROTTLE).toEqual({ rateLimit: 50, burstLimit: 100 });
  });

  it('leaves POST /auth0/events to the stage default', () => {
    expect(Object.keys(routeSettings({ auth0EventsWebhook: true }))).not.toContain('POST /auth0/events');
  });

  it('refuses a bad value, naming the setting (context, environment or prop)', () => {
    expect(() => routeSettings({ keyCreationRateLimit: 0 })).toThrow(
      /^keyCreationRateLimit must be a whole number from 1 to 10000, got "0"$/,
    );
    const read = (context: Record<string, string>, env: Record<string, string> = {}) =>
      loadStackConfig((name, envName) => context[name] ?? (envName === undefined ? undefined : env[envName]));
    expect(() => read({ ...AUTH0, keyCreationBurstLimit: 'ten' })).toThrow(
      /^keyCreationBurstLimit must be a whole number from 1 to 5000, got "ten"$/,
    );
    expect(read(AUTH0, { KEY_CREATION_RATE_LIMIT: '2', KEY_CREATION_BURST_LIMIT: '4' })).toMatchObject({
      keyCreationRateLimit: 2,
      keyCreationBurstLimit: 4,
    });
  });
});
