import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EVENT_ITEM_PREFIX } from '../../lambdas/store/table-schema';
import { buildApp } from '../../lib/app';
import { LIFECYCLE_BATCH_SIZE, LIFECYCLE_MAX_RECORD_AGE, LIFECYCLE_RETRY_ATTEMPTS } from '../../lib/lifecycle-events';
import { BASE_CONTEXT, type Resource, type Resources } from './synth-context';

/** Every key change from the table's stream to EventBridge, and the daily expiry notice: what the template says. */

const STREAM_FUNCTION = 'Key changes from the table stream to EventBridge';
const EXPIRY_FUNCTION = 'Daily: a Key expiring event for each active key that expires soon';

function synth(context: Record<string, unknown> = {}): Resources {
  const { stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  return Template.fromStack(stack).toJSON().Resources as Resources;
}
const ofType = (resources: Resources, type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const withId = (resources: Resources, part: string, type: string): [string, Resource] => {
  const found = Object.entries(resources).filter(([id, r]) => id.includes(part) && r.Type === type);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const functionNamed = (resources: Resources, description: string): [string, Resource] => {
  const found = ofType(resources, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Description === description);
  expect(found).toHaveLength(1);
  return found[0]!;
};
/** The statements of a function's own policy, by its role's logical ID. */
function statementsOf(resources: Resources, functionId: string): any[] {
  const roleId = resources[functionId]!.Properties.Role['Fn::GetAtt'][0];
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}
const actionsOf = (statements: any[]): string[] => statements.flatMap((statement) => [statement.Action].flat()).sort();
const DEFAULT_BUS_ARN = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default'],
  ],
};

describe('the default stack: lifecycle events', () => {
  const resources = synth({ alarmEmail: 'ops@example.com' });
  const [tableId, table] = ofType(resources, 'AWS::DynamoDB::Table')[0]!;
  const [streamFunctionId] = functionNamed(resources, STREAM_FUNCTION);
  const [expiryFunctionId, expiryFunction] = functionNamed(resources, EXPIRY_FUNCTION);
  const [streamQueueId] = withId(resources, 'StreamDeadLetterQueue', 'AWS::SQS::Queue');
  const [expiryQueueId] = withId(resources, 'ExpiryDeadLetterQueue', 'AWS::SQS::Queue');

  it('turns on the table stream with new images only (what an event says is all in the item written)', () => {
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('maps the stream to its function: new audit event items only, batched, partial failures, bounded retries, a dead-letter queue', () => {
    const [[, mapping]] = ofType(resources, 'AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: streamFunctionId },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: LIFECYCLE_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: LIFECYCLE_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: LIFECYCLE_MAX_RECORD_AGE.toSeconds(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [streamQueueId, 'Arn'] } } },
    });
    const filters = mapping.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));
    expect(filters).toEqual([
      { dynamodb: { Keys: { pk: { S: [{ prefix: EVENT_ITEM_PREFIX }] } }, NewImage: { eventKeyId: { S: [{ exists: true }] } } } },
    ]);
  });

  it('lets the stream function read this stream and put events on the default bus, and nothing of the table', () => {
    const statements = statementsOf(resources, streamFunctionId);
    expect(actionsOf(statements)).toEqual(
      [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    const read = statements.find((statement) => [statement.Action].flat().includes('dynamodb:GetRecords'));
    expect(read.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
    const put = statements.find((statement) => statement.Action === 'events:PutEvents');
    expect(put.Resource).toEqual(DEFAULT_BUS_ARN);
  });

  it('runs the expiry notice daily at 07:00 UTC, retried, with its own dead-letter queue', () => {
    const [, rule] = withId(resources, 'ExpirySchedule', 'AWS::Events::Rule');
    expect(rule.Properties.ScheduleExpression).toBe('cron(0 7 * * ? *)');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [expiryFunctionId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expiryQueueId, 'Arn'] } },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
      }),
    ]);
    expect(expiryFunction.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [expiryQueueId, 'Arn'] } });
    const [, invokeConfig] = ofType(resources, 'AWS::Lambda::EventInvokeConfig').find(
      ([, config]) => config.Properties.FunctionName.Ref === expiryFunctionId,
    )!;
    expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(2);
  });

  it('lets the expiry function read the expiry index (and whether it is ACTIVE) and put events, never Scan', () => {
    const statements = statementsOf(resources, expiryFunctionId);
    const actions = actionsOf(statements);
    expect(actions).toEqual(
      [
        'dynamodb:DescribeTable',
        'dynamodb:Query',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
      ].sort(),
    );
    const query = statements.find((statement) => statement.Action === 'dynamodb:Query');
    expect(query.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/byExpiryDay']] });
  });

  it('keeps both dead-letter queues 14 days, encrypted, TLS only', () => {
    for (const queueId of [streamQueueId, expiryQueueId]) {
      expect(resources[queueId]!.Properties).toEqual({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
      const policies = ofType(resources, 'AWS::SQS::QueuePolicy').filter(([, policy]) =>
        policy.Properties.Queues.some((queue: any) => queue.Ref === queueId),
      );
      const statements = policies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('alarms on each dead-letter queue, each function’s errors and a stream falling behind, all to the alarm topic', () => {
    const alarms = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::CloudWatch::Alarm' && id.includes('LifecycleEvents'));
    const byName = Object.fromEntries(
      alarms.map(([id, alarm]) => [id.replace(/^UserApiKeysLifecycleEvents|[0-9A-F]{8}$/g, ''), alarm.Properties]),
    );
    expect(Object.keys(byName).sort()).toEqual(
      ['ExpiryDeadLetters', 'ExpiryFunctionErrors', 'StreamDeadLetters', 'StreamFunctionErrors', 'StreamIteratorAge'].sort(),
    );
    expect(byName.StreamDeadLetters).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [streamQueueId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(byName.StreamIteratorAge).toMatchObject({
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Threshold: 300_000,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: streamFunctionId } }],
    });
    const [topicId] = ofType(resources, 'AWS::SNS::Topic')[0]!;
    for (const alarm of Object.values(byName)) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});

describe('eventBusName', () => {
  const putResource = (context: Record<string, unknown>) => {
    const resources = synth(context);
    return [STREAM_FUNCTION, EXPIRY_FUNCTION].map((description) => {
      const [functionId, fn] = functionNamed(resources, description);
      const put = statementsOf(resources, functionId).find((statement) => statement.Action === 'events:PutEvents');
      return { resource: put.Resource, variable: fn.Properties.Environment.Variables.EVENT_BUS_NAME };
    });
  };

  it('names a bus of this account and region', () => {
    for (const { resource, variable } of putResource({ eventBusName: 'key-events' })) {
      expect(variable).toBe('key-events');
      expect(JSON.stringify(resource)).toContain(':event-bus/key-events');
    }
  });

  it('or another account’s, by ARN', () => {
    const arn = 'arn:aws:events:eu-west-1:210987654321:event-bus/central';
    for (const { resource, variable } of putResource({ eventBusName: arn })) {
      expect(variable).toBe(arn);
      expect(resource).toBe(arn);
    }
  });

  it('is refused, by name, when it is neither', () => {
    expect(() => synth({ eventBusName: 'no spaces allowed' })).toThrow(/eventBusName/);
  });
});

describe('an upgrade step before the table stream', () => {
  it('has no lifecycle events yet: no stream to map', () => {
    const resources = synth({ tableUpgradeStep: 'remove-old-owner-index' });
    expect(ofType(resources, 'AWS::DynamoDB::Table')[0]![1].Properties.StreamSpecification).toBeUndefined();
    expect(ofType(resources, 'AWS::Lambda::EventSourceMapping')).toEqual([]);
    expect(Object.keys(resources).filter((id) => id.includes('LifecycleEvents'))).toEqual([]);
  });

  it('has them from add-stream on, without the expiry index, which the expiry notice then waits for', () => {
    const resources = synth({ tableUpgradeStep: 'add-stream' });
    const table = ofType(resources, 'AWS::DynamoDB::Table')[0]![1];
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(table.Properties.GlobalSecondaryIndexes.map((index: any) => index.IndexName)).not.toContain('byExpiryDay');
    expect(ofType(resources, 'AWS::Lambda::EventSourceMapping')).toHaveLength(1);
    const [expiryId, expiry] = functionNamed(resources, EXPIRY_FUNCTION);
    expect(expiry.Properties.Environment.Variables.TABLE_UPGRADE_STEP).toBe('add-stream');
    expect(actionsOf(statementsOf(resources, expiryId))).not.toContain('dynamodb:Query');
  });
});
