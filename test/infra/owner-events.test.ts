import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AUTH0_WEBHOOK_ROUTE } from '../../lambdas/api-definition';
import { auth0EventBridgePatterns } from '../../lambdas/domain/auth0-events';
import { ConfigError } from '../../lambdas/settings/config-error';
import { indexPlan } from '../../lambdas/store/table-upgrade';
import { buildApp } from '../../lib/app';
import { UserApiKeys } from '../../lib/user-api-keys';
import { BASE_CONTEXT, EXAMPLE_AUTH0, NO_BUNDLING, type Resource, type Resources } from './synth-context';

// The stack buildApp() gives `cdk deploy`, without cdk-nag's verdict: stack.test.ts holds these settings to it too.
jest.mock('cdk-nag', () => ({
  AwsSolutionsChecks: class {
    readonly name = 'cdk-nag (checked in stack.test.ts)';
    validate = () => ({ success: true, violations: [] });
  },
}));

const SOURCES = ['aws.partner/auth0.com/tenant-1234/auth0.logs', 'aws.partner/auth0.com/tenant-1234/auth0.events'];
const WEBHOOK_DESCRIPTION = 'POST /auth0/events (an Auth0 Event Stream webhook)';
const OWNER_EVENTS_SERVICE = 'user-api-keys-owner-events';

function synth(context: Record<string, unknown> = {}): Resources {
  const { stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  return Template.fromStack(stack).toJSON().Resources as Resources;
}
function outputsOf(context: Record<string, unknown>): Record<string, { Value: unknown }> {
  const { stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  return Template.fromStack(stack).toJSON().Outputs;
}

const withoutLifecycleEvents = (resources: Resources): Resources =>
  Object.fromEntries(Object.entries(resources).filter(([id]) => !id.includes('LifecycleEvents')));
const ofType = (resources: Resources, type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (resources: Resources, type: string): [string, Resource] => {
  const found = ofType(resources, type);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const functionWhere = (resources: Resources, test: (fn: Resource) => boolean): [string, Resource] => {
  const found = ofType(resources, 'AWS::Lambda::Function').filter(([, fn]) => test(fn));
  expect(found).toHaveLength(1);
  return found[0]!;
};
const ownerEventsFunction = (resources: Resources) =>
  functionWhere(resources, (fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === OWNER_EVENTS_SERVICE);
const described = (description: string) => (fn: Resource) => fn.Properties.Description === description;

/** `{"Fn::Join": ["", [{"Fn::GetAtt": ["Table", "Arn"]}, "/index/x"]]}` reads `Table.Arn/index/x`. */
function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value['Fn::GetAtt'] !== undefined) return value['Fn::GetAtt'].join('.');
  if (value.Ref !== undefined) return `Ref(${value.Ref})`;
  if (value['Fn::Join'] !== undefined) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** A role's statements (of the functions' role of the function with this logical ID), actions and resources rendered and sorted. */
function statementsOf(resources: Resources, functionId: string) {
  const roleId = resources[functionId]!.Properties.Role['Fn::GetAtt'][0];
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[])
    .map((s) => ({
      effect: s.Effect as string,
      actions: [s.Action].flat().sort() as string[],
      resources: [s.Resource].flat().map(render).sort(),
      ...(s.Condition !== undefined ? { condition: s.Condition } : {}),
    }))
    .sort((a, b) => a.actions.join().localeCompare(b.actions.join()));
}

/** What the key-management functions are told, less the house's service name. */
function managementVariables(resources: Resources): Record<string, unknown> {
  const [, createKey] = functionWhere(resources, described('POST /keys'));
  const { POWERTOOLS_SERVICE_NAME: _service, ...rest } = createKey.Properties.Environment.Variables;
  return rest;
}

describe('without the Auth0 event settings (the defaults)', () => {
  // The lifecycle events' own rule, queues and invoke config are always there (test/infra/lifecycle-events.test.ts).
  const resources = withoutLifecycleEvents(synth());

  it('creates no event bus, rule, queue, owner-events function, webhook route or token secret', () => {
    for (const type of [
      'AWS::Events::EventBus',
      'AWS::Events::Rule',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
      'AWS::Lambda::EventInvokeConfig',
    ]) {
      expect(ofType(resources, type)).toEqual([]);
    }
    const services = ofType(resources, 'AWS::Lambda::Function').map(
      ([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(services).not.toContain(OWNER_EVENTS_SERVICE);
    expect(services).not.toContain('user-api-keys-auth0-webhook');
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes).not.toContain(`${AUTH0_WEBHOOK_ROUTE.method} ${AUTH0_WEBHOOK_ROUTE.path}`);
    // The signing keys' two secrets, and no generated token.
    expect(ofType(resources, 'AWS::SecretsManager::Secret')).toHaveLength(2);
    expect(JSON.stringify(resources)).not.toContain('"PasswordLength"');
    expect(Object.keys(outputsOf({})).sort()).toEqual(['ApiUrl', 'ConsoleAuth0Settings', 'ConsoleUrl', 'TableName']);
  });
});

describe('auth0EventSourceNames: two Auth0 partner event sources', () => {
  const context = { auth0EventSourceNames: SOURCES.join(','), alarmEmail: 'ops@example.com' };
  // Without the lifecycle events' own rule, queues and alarms (test/infra/lifecycle-events.test.ts).
  const resources = withoutLifecycleEvents(synth(context));
  const buses = ofType(resources, 'AWS::Events::EventBus');
  const rules = ofType(resources, 'AWS::Events::Rule');
  const [queueId, queue] = only(resources, 'AWS::SQS::Queue');
  const [functionId, fn] = ownerEventsFunction(resources);
  const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };

  it('makes a partner event bus for each source, named as the source (CloudFormation requires it)', () => {
    expect(buses.map(([, bus]) => bus.Properties)).toEqual(SOURCES.map((name) => ({ Name: name, EventSourceName: name })));
  });

  it('puts on each bus one rule per pattern, each exactly one of auth0EventBridgePatterns()', () => {
    const patterns = auth0EventBridgePatterns();
    expect(patterns).toHaveLength(3);
    expect(rules).toHaveLength(buses.length * patterns.length);
    for (const [busId] of buses) {
      const onBus = rules.filter(([, rule]) => rule.Properties.EventBusName?.Ref === busId).map(([, rule]) => rule.Properties);
      expect(onBus.map((rule) => rule.EventPattern)).toEqual(patterns);
      for (const rule of onBus) expect(rule.State).toBe('ENABLED');
    }
  });

  it('targets the owner-events function with the event as it is, retrying for an hour, then the dead-letter queue', () => {
    for (const [, rule] of rules) {
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
          DeadLetterConfig: { Arn: queueArn },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 3600 },
        },
      ]);
    }
  });

  it('lets each rule, and nothing else, invoke the function', () => {
    const permissions = ofType(resources, 'AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }),
    );
    expect(permissions.map(([, p]) => p.Properties.SourceArn).sort(byJson)).toEqual(
      rules.map(([ruleId]) => ({ 'Fn::GetAtt': [ruleId, 'Arn'] })).sort(byJson),
    );
    for (const [, p] of permissions) {
      expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
    }
  });

  it('keeps undelivered events 14 days in a queue encrypted at rest, TLS only, that only those rules may send to', () => {
    expect(queue.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const [, policy] = only(resources, 'AWS::SQS::QueuePolicy');
    expect(policy.Properties.Queues).toEqual([{ Ref: queueId }]);
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    expect(statements.filter((s) => s.Effect === 'Deny')).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: queueArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    for (const allow of allows) {
      expect(allow).toEqual({
        Sid: expect.any(String),
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': expect.anything() } },
      });
    }
    expect(allows.map((s) => s.Condition.ArnEquals['aws:SourceArn']).sort(byJson)).toEqual(
      rules.map(([ruleId]) => ({ 'Fn::GetAtt': [ruleId, 'Arn'] })).sort(byJson),
    );
  });

  it('has Lambda retry a failed run twice within the hour, then put the event in the same queue', () => {
    const [, config] = only(resources, 'AWS::Lambda::EventInvokeConfig');
    expect(config.Properties).toEqual({
      FunctionName: { Ref: functionId },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
    expect(fn.Properties.DeadLetterConfig).toEqual({ TargetArn: queueArn });
  });

  it('runs the function for up to 5 minutes with the management functions’ environment', () => {
    expect(fn.Properties.Timeout).toBe(300);
    const [tableId] = only(resources, 'AWS::DynamoDB::Table');
    expect(fn.Properties.Environment.Variables).toEqual({
      ...managementVariables(resources),
      POWERTOOLS_SERVICE_NAME: OWNER_EVENTS_SERVICE,
    });
    expect(fn.Properties.Environment.Variables).toMatchObject({ TABLE_NAME: { Ref: tableId }, AUTH0_DOMAIN: EXAMPLE_AUTH0.auth0Domain });
    expect(fn.Properties.Environment.Variables.AUTH0_WEBHOOK_SECRET_ARN).toBeUndefined();
  });

  it('grants it its item actions on the table, Query on the owner index alone, and sending to its queue', () => {
    const [tableId] = only(resources, 'AWS::DynamoDB::Table');
    const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(statementsOf(resources, functionId)).toEqual([
      {
        effect: 'Allow',
        // ConditionCheckItem: each pause or resume is checked against the owner's last report, in its transaction.
        actions: ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [`${tableId}.Arn`],
        condition: { StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' } },
      },
      { effect: 'Allow', actions: ['dynamodb:Query'], resources: [`${tableId}.Arn/index/byOwner-v2`] },
      { effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup}.Arn`] },
      { effect: 'Allow', actions: ['sqs:SendMessage'], resources: [`${queueId}.Arn`] },
    ]);
  });

  it('alarms, to the stack’s topic, on any message in the dead-letter queue and on the function’s errors', () => {
    const [topicId] = only(resources, 'AWS::SNS::Topic');
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
    // The eight of test/infra/alarms.test.ts and these two, all to the one topic.
    expect(alarms).toHaveLength(10);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    const named = (id: string) => alarms.filter(([logicalId]) => logicalId.startsWith(`UserApiKeysOwnerEvents${id}`)).map(([, a]) => a);
    expect(named('DeadLetters').map((a) => a.Properties)).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      }),
    ]);
    expect(named('FunctionErrors').map((a) => a.Properties)).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    ]);
  });

  it('outputs the event bus names', () => {
    expect(outputsOf(context).Auth0EventBusNames?.Value).toEqual({ 'Fn::Join': [',', buses.map(([busId]) => ({ Ref: busId }))] });
  });

  it('adds no webhook: the two settings are independent', () => {
    expect(ofType(resources, 'AWS::SecretsManager::Secret')).toHaveLength(2);
    expect(ofType(resources, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey)).not.toContain('POST /auth0/events');
  });
});

describe('auth0EventSourceNames, further', () => {
  it('reads the owner index an upgrade step names, as the other owner readers do', () => {
    const step = 'lifecycle-add-owner-v2';
    // Not the default's index: the grant follows the step.
    expect(indexPlan(step).reads.owner.name).not.toBe(indexPlan(undefined).reads.owner.name);
    const resources = synth({ auth0EventSourceNames: SOURCES[0], tableUpgradeStep: step });
    const [functionId] = ownerEventsFunction(resources);
    const queried = statementsOf(resources, functionId).filter((s) => s.actions.includes('dynamodb:Query'));
    expect(queried.map((s) => s.resources)).toEqual([[expect.stringMatching(new RegExp(`/index/${indexPlan(step).reads.owner.name}$`))]]);
  });

  it('with a customer-managed table key, may use it as a writer does, and no more', () => {
    const resources = synth({ auth0EventSourceNames: SOURCES[0], tableEncryption: 'customer-managed' });
    const [functionId] = ownerEventsFunction(resources);
    const kms = statementsOf(resources, functionId).filter((s) => s.actions.some((a) => a.startsWith('kms:')));
    expect(kms.flatMap((s) => s.actions).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(kms.flatMap((s) => s.resources)).toEqual([expect.stringMatching(/TableKey.*\.Arn$/)]);
  });

  it('makes one bus of a name given twice', () => {
    const resources = synth({ auth0EventSourceNames: `${SOURCES[0]},${SOURCES[0]}` });
    expect(ofType(resources, 'AWS::Events::EventBus')).toHaveLength(1);
  });

  it('refuses a source that is not an Auth0 partner event source, naming the setting', () => {
    const message =
      'auth0EventSourceNames must be partner event source names such as aws.partner/auth0.com/tenant-0a1b…/auth0.logs, got "aws.partner/other.com/x"';
    expect(() => synth({ auth0EventSourceNames: 'aws.partner/other.com/x' })).toThrow(ConfigError);
    expect(() => synth({ auth0EventSourceNames: 'aws.partner/other.com/x' })).toThrow(message);
    expect(() => synth({ auth0EventSourceNames: `${SOURCES[0]},aws.partner/other.com/x` })).toThrow(message);
    // The construct's prop is held to the same rule.
    expect(
      () =>
        new UserApiKeys(new Stack(new App({ context: NO_BUNDLING }), 'Own'), 'Keys', {
          ...EXAMPLE_AUTH0,
          auth0EventSourceNames: ['aws.partner/other.com/x'],
        }),
    ).toThrow(message);
  });
});

describe('auth0EventsWebhook: true', () => {
  const context = { auth0EventsWebhook: 'true' };
  const resources = synth(context);
  // Besides the signing keys' two secrets.
  const secrets = ofType(resources, 'AWS::SecretsManager::Secret');
  const [secretId, secret] = secrets.find(([id]) => id.includes('Auth0WebhookTokenSecret')) ?? [];
  const [functionId, fn] = functionWhere(resources, described(WEBHOOK_DESCRIPTION));

  it('routes POST /auth0/events to its function with no authorizer, and no throttle of its own', () => {
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey === 'POST /auth0/events');
    expect(routes).toHaveLength(1);
    const [, route] = routes[0]!;
    expect(route.Properties.AuthorizationType).toBe('NONE');
    expect(route.Properties.AuthorizerId).toBeUndefined();
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
    expect(resources[integrationId]!.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] },
    });
    const [, stage] = only(resources, 'AWS::ApiGatewayV2::Stage');
    expect(Object.keys(stage.Properties.RouteSettings)).not.toContain('POST /auth0/events');
  });

  it('generates the token in a secret of its own: 48 letters and digits, a plain string', () => {
    expect(secrets).toHaveLength(3);
    expect(secretId).toBeDefined();
    // No SecretStringTemplate or GenerateStringKey: the value is the token itself, not JSON.
    expect(secret!.Properties.GenerateSecretString).toEqual({ PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false });
    expect(secret!.Properties.SecretString).toBeUndefined();
    // Secrets Manager's own key: GetSecretValue is all the function needs (no kms:Decrypt grant).
    expect(secret!.Properties.KmsKeyId).toBeUndefined();
  });

  it('gives the function the management environment and the secret’s ARN, and a timeout inside API Gateway’s 30 s', () => {
    expect(fn.Properties.Environment.Variables).toEqual({
      ...managementVariables(resources),
      POWERTOOLS_SERVICE_NAME: 'user-api-keys-auth0-webhook',
      AUTH0_WEBHOOK_SECRET_ARN: { Ref: secretId },
    });
    const [, createKey] = functionWhere(resources, described('POST /keys'));
    expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(createKey.Properties.Timeout);
    expect(fn.Properties.Timeout).toBeLessThan(30);
  });

  it('lets the function read the token’s value, and only that secret, besides its table actions', () => {
    const [tableId] = only(resources, 'AWS::DynamoDB::Table');
    const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(statementsOf(resources, functionId)).toEqual([
      {
        effect: 'Allow',
        // ConditionCheckItem: each pause or resume is checked against the owner's last report, in its transaction.
        actions: ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [`${tableId}.Arn`],
        condition: { StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' } },
      },
      { effect: 'Allow', actions: ['dynamodb:Query'], resources: [`${tableId}.Arn/index/byOwner-v2`] },
      { effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup}.Arn`] },
      { effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [`Ref(${secretId})`] },
    ]);
    // No other role names the secret.
    const naming = ofType(resources, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p).includes(`"Ref":"${secretId}"`));
    expect(naming).toHaveLength(1);
  });

  it('outputs the secret’s ARN, never its value', () => {
    const outputs = outputsOf(context);
    expect(outputs.Auth0WebhookTokenSecret?.Value).toEqual({ Ref: secretId });
    expect(JSON.stringify(outputs)).not.toMatch(/resolve:secretsmanager|SecretString/);
    expect(outputs.Auth0EventBusNames).toBeUndefined();
  });
});

function byJson(a: unknown, b: unknown): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}
