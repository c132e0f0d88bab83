import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS } from '../../lambdas/api-definition';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, worstCaseMs } from '../../lambdas/runtime/clients';
import { buildApp } from '../../lib/app';
import { StackConfigError } from '../../lib/stack-config';

const BASE_CONTEXT = {
  auth0Domain: 'example.eu.auth0.com',
  auth0Audience: 'https://api.example.com',
  // Assertions need no Lambda bundles; test/infra/synth.test.ts builds them for real.
  'aws:cdk:bundling-stacks': [],
};

function synth(context: Record<string, unknown> = {}) {
  const { app, stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  return { app, stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;

/** The DynamoDB actions in the role policy of the function whose description is given. */
function tableActionsOf(template: Template, description: string): string[] {
  const resources = template.toJSON().Resources as Resources;
  const fnEntry = Object.values(resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description === description,
  );
  expect(fnEntry).toBeDefined();
  const roleId = fnEntry!.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(resources).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === roleId),
  );
  const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
  return actions.filter((a: string) => a.startsWith('dynamodb:')).sort();
}

describe('the default stack', () => {
  const { template } = synth();
  const resources = template.toJSON().Resources as Resources;

  it('keeps keys in a pay-per-request table with TTL on expiresAt, PITR, deletion protection, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    });
  });

  it('lists owners’ keys through a GSI that never holds secret hashes', () => {
    const table = Object.values(resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!;
    const [index] = table.Properties.GlobalSecondaryIndexes;
    expect(index).toMatchObject({
      IndexName: 'byOwner',
      KeySchema: [
        { AttributeName: 'ownerId', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE' },
    });
    expect(index.Projection.NonKeyAttributes).not.toContain('secretHash');
  });

  it('grants each function only the table actions it uses', () => {
    expect(tableActionsOf(template, 'API key authorizer')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    // ...and UpdateItem only for lastUsedAt.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'dynamodb:UpdateItem',
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'lastUsedAt'] } },
          }),
        ]),
      },
    });
    expect(tableActionsOf(template, 'POST /keys')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(tableActionsOf(template, 'GET /keys')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(tableActionsOf(template, 'GET /keys/{id}')).toEqual(['dynamodb:GetItem']);
    expect(tableActionsOf(template, 'DELETE /keys/{id}')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(tableActionsOf(template, 'GET /whoami (sample protected backend)')).toEqual([]);
    expect(tableActionsOf(template, 'GET /health')).toEqual([]);
  });

  it('uses no wildcard actions or resources and no AWS-managed policies', () => {
    for (const r of Object.values(resources)) {
      if (r.Type === 'AWS::IAM::Policy') {
        for (const statement of r.Properties.PolicyDocument.Statement) {
          expect([statement.Action].flat().join(' ')).not.toContain('*');
          expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
        }
      }
      if (r.Type === 'AWS::IAM::Role') expect(r.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('runs every function on Node.js 22, ARM64, with its own log group and a set retention', () => {
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(7);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
    const logGroups = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(8); // seven functions and the access log
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('gives the authorizer a timeout its DynamoDB retries fit inside, and no Auth0 settings', () => {
    const authorizer = Object.values(resources).find((r) => r.Properties.Description === 'API key authorizer')!;
    expect(authorizer.Properties.Timeout * 1000).toBeGreaterThan(worstCaseMs(AUTHORIZER_DYNAMODB_TIMEOUTS));
    expect(Object.keys(authorizer.Properties.Environment.Variables).sort()).toEqual(
      ['DEFAULT_KEY_LIFETIME_DAYS', 'KEY_PREFIX', 'MAX_KEYS_PER_USER', 'MAX_KEY_LIFETIME_DAYS', 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'TABLE_NAME', 'VERDICT_CACHE_TTL_SECONDS'].sort(),
    );
  });

  it('wires the Lambda authorizer: payload 2.0, simple responses, Authorization header, the TTL split between the two caches', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS / 2,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'API key authorizer',
      Environment: { Variables: Match.objectLike({ VERDICT_CACHE_TTL_SECONDS: String(DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS / 2) }) },
    });
  });

  it('checks Auth0 tokens at the edge with the tenant’s issuer and the API audience', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://example.eu.auth0.com/', Audience: ['https://api.example.com'] },
    });
  });

  it('puts each route behind the right authorizer', () => {
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    const byKey = Object.fromEntries(routes.map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType]));
    expect(byKey).toEqual({
      'GET /health': 'NONE',
      'GET /whoami': 'CUSTOM',
      'POST /keys': 'JWT',
      'GET /keys': 'JWT',
      'GET /keys/{id}': 'JWT',
      'DELETE /keys/{id}': 'JWT',
    });
  });

  it('logs access without headers, throttles by default and has no CORS unless asked', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, DetailedMetricsEnabled: true }),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    // Creating keys has its own, smaller budget.
    expect(stage.Properties.RouteSettings).toEqual({ 'POST /keys': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } });
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/header|authorization/i);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('alarms on authorizer errors, management 5xx and DynamoDB throttling', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(3);
    const text = JSON.stringify(alarms);
    expect(text).toContain('"MetricName":"Errors"');
    expect(text).toContain('"MetricName":"5xx"');
    expect(text).toContain('"MetricName":"ThrottledRequests"');
    // A quiet route must not blank the management sum.
    expect(text).toContain('FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0) + FILL(m3, 0)');
  });

  it('outputs the API URL and the table name', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('TableName', {});
  });
});

describe('configuration', () => {
  it('refuses to synthesize without the Auth0 settings, naming them', () => {
    expect(() => buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }))).toThrow(
      new StackConfigError('Set auth0Domain: cdk deploy -c auth0Domain=... (or the environment variable AUTH0_DOMAIN)'),
    );
    expect(() => synth({ auth0Audience: '' })).toThrow(/Set auth0Audience/);
  });

  it.each([
    [{ auth0Domain: 'not a domain' }, /auth0Domain/],
    [{ backendUrl: 'http://plain.example.com' }, /backendUrl must be an https/],
    [{ backendUrl: 'https://a.example.com', backendFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' }, /not both/],
    [{ authorizerCacheTtlSeconds: '3601' }, /authorizerCacheTtlSeconds must be a whole number from 0 to 3600/],
    [{ keyPrefix: 'Bad_Prefix' }, /keyPrefix/],
    [{ tableEncryption: 'rot13' }, /tableEncryption must be one of/],
    [{ tableKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc' }, /needs tableEncryption=customer-managed/],
    [{ logRetentionDays: '31' }, /logRetentionDays must be one of/],
    [{ corsAllowOrigins: 'console.example.com' }, /corsAllowOrigins/],
  ])('refuses %j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('passes key settings to the functions and the cache TTL to the authorizer', () => {
    const { template } = synth({ keyPrefix: 'acme', maxKeysPerUser: '5', maxKeyLifetimeDays: '30', authorizerCacheTtlSeconds: '0', requiredScope: 'keys:manage' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'POST /keys',
      Environment: { Variables: Match.objectLike({ KEY_PREFIX: 'acme', MAX_KEYS_PER_USER: '5', MAX_KEY_LIFETIME_DAYS: '30', DEFAULT_KEY_LIFETIME_DAYS: '30', REQUIRED_SCOPE: 'keys:manage', AUTH0_DOMAIN: 'example.eu.auth0.com', ALLOW_MACHINE_TOKENS: 'false' }) },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', AuthorizerResultTtlInSeconds: 0 });
  });

  it('protects an HTTP backend with API keys, passing who the key acts as, and drops the sample route', () => {
    const { template } = synth({ backendUrl: 'https://backend.example.com/v1' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /{proxy+}', AuthorizationType: 'CUSTOM' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'HTTP_PROXY',
      IntegrationUri: 'https://backend.example.com/v1/{proxy}',
      RequestParameters: { 'overwrite:header.x-api-key-sub': '$context.authorizer.sub', 'overwrite:header.x-api-key-id': '$context.authorizer.keyId' },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('GET /whoami');
  });

  it('protects a Lambda backend', () => {
    const { template } = synth({ backendFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /{proxy+}', AuthorizationType: 'CUSTOM' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY' });
  });

  it('encrypts with a rotating customer key when asked, letting read-only functions only decrypt', () => {
    const { template } = synth({ tableEncryption: 'customer-managed' });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }) });
    const resources = template.toJSON().Resources as Resources;
    const readerPolicy = JSON.stringify(
      Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r).includes('GetKeyFunctionRole')),
    );
    expect(readerPolicy).toContain('kms:Decrypt');
    expect(readerPolicy).not.toContain('kms:Encrypt');
  });

  it('can drop the table with the stack when asked (development stacks)', () => {
    const { template } = synth({ tableRemoval: 'destroy' });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });

  it('configures CORS for the given origins', () => {
    const { template } = synth({ corsAllowOrigins: 'https://console.example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://console.example.com'] }),
    });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('finds nothing that is not fixed or acknowledged with a reason', () => {
    const { app } = synth();
    expect(() => app.synth()).not.toThrow();
  });

  it('does run: a wildcard permission fails the synth', () => {
    const { app, stack } = buildApp(new App({ context: BASE_CONTEXT }));
    stack.keys.authorizerFunction.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });
});
