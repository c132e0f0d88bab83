import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS, ROUTES } from '../../lambdas/api-definition';
import { DEFAULT_KEY_POLICY } from '../../lambdas/domain/key-policy';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, worstCaseMs } from '../../lambdas/runtime/clients';
import { TABLE } from '../../lambdas/store/table-schema';
import { buildApp } from '../../lib/app';
import { ConfigError } from '../../lambdas/settings/config-error';
import { loadStackConfig } from '../../lib/stack-config';
import { resolveUserApiKeysConfig } from '../../lib/user-api-keys-config';
import { BASE_CONTEXT } from './synth-context';

/** The stack's settings, read as `cdk deploy` reads them, with what the construct derives from them. */
function stackConfig(settings: Record<string, string>) {
  const { stackName: _stack, ...props } = loadStackConfig((context) => settings[context]);
  return resolveUserApiKeysConfig(props);
}

function synth(context: Record<string, unknown> = {}) {
  const { app, stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  return { app, stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;

/** Management functions are described by their route key (the admin ones add who they are for: "(support staff)"). */
const MANAGEMENT_ROUTE_KEYS = ROUTES.filter((route) => route.auth === 'accessToken').map((route) => `${route.method} ${route.path}`);
const ADMIN_LIST = 'GET /admin/users/{sub}/keys';
const ADMIN_REVOKE = 'POST /admin/users/{sub}/revoke-keys';

/** The function a description names: exactly, or a route key followed by a parenthesis. */
function functionDescribed(template: Template, description: string): Resources[string] {
  const resources = template.toJSON().Resources as Resources;
  const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  const fnEntry =
    functions.find((r) => r.Properties.Description === description) ??
    functions.find((r) => String(r.Properties.Description).startsWith(`${description} (`));
  expect(fnEntry).toBeDefined();
  return fnEntry!;
}

/** `{"Fn::Join": ["", [{"Fn::GetAtt": ["Table", "Arn"]}, "/index/x"]]}` reads `Table.Arn/index/x`. */
function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value['Fn::GetAtt'] !== undefined) return value['Fn::GetAtt'].join('.');
  if (value.Ref !== undefined) return `Ref(${value.Ref})`;
  if (value['Fn::Join'] !== undefined) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** The DynamoDB statements in the role policy of the function whose description is given. */
function tableStatementsOf(template: Template, description: string): { actions: string[]; resources: string[]; condition?: unknown }[] {
  const resources = template.toJSON().Resources as Resources;
  const roleId = functionDescribed(template, description).Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(resources).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === roleId),
  );
  return policies
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => ({ actions: [s.Action].flat().sort(), resources: [s.Resource].flat().map(render).sort(), condition: s.Condition }))
    .filter((s: { actions: string[] }) => s.actions.some((a) => a.startsWith('dynamodb:')));
}

/** The DynamoDB actions in the role policy of the function whose description is given. */
function tableActionsOf(template: Template, description: string): string[] {
  return tableStatementsOf(template, description)
    .flatMap((s) => s.actions)
    .sort();
}

function tableArnOf(template: Template): string {
  const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
  return `${tableId}.Arn`;
}

function environmentOf(template: Template, description: string): Record<string, string> {
  return functionDescribed(template, description).Properties.Environment.Variables;
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
    const index = table.Properties.GlobalSecondaryIndexes.find((i: any) => i.IndexName === 'byOwner-v2');
    expect(index).toMatchObject({
      IndexName: 'byOwner-v2',
      KeySchema: [
        { AttributeName: 'ownerId', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE' },
    });
    expect(index.Projection.NonKeyAttributes).toEqual([...TABLE.ownerIndex.projectedAttributes]);
    expect(index.Projection.NonKeyAttributes).not.toContain('secretHash');
  });

  it('reads a key’s audit events through the sparse byKeyEvents GSI, projecting all', () => {
    const table = Object.values(resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!;
    expect(table.Properties.GlobalSecondaryIndexes.map((i: any) => i.IndexName).sort()).toEqual([
      'byExpiryDay',
      'byKeyEvents',
      'byOwner-v2',
    ]);
    const index = table.Properties.GlobalSecondaryIndexes.find((i: any) => i.IndexName === 'byKeyEvents');
    expect(index).toEqual({
      IndexName: 'byKeyEvents',
      KeySchema: [
        { AttributeName: 'eventKeyId', KeyType: 'HASH' },
        { AttributeName: 'eventAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'eventKeyId', AttributeType: 'S' },
        { AttributeName: 'eventAt', AttributeType: 'S' },
      ]),
    );
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
    // Revoking writes an audit event in the same transaction.
    expect(tableActionsOf(template, 'DELETE /keys/{id}')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // An enable checks the owner item in its transaction: IAM authorizes a ConditionCheck as ConditionCheckItem.
    expect(tableActionsOf(template, 'PATCH /keys/{id}')).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(tableActionsOf(template, 'POST /keys/{id}/rotate')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(tableActionsOf(template, 'GET /keys/{id}/events')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    // Support staff: one user's keys (as GET /keys does), and revoking them all (as DELETE /keys/{id} does, key by key).
    expect(tableActionsOf(template, ADMIN_LIST)).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(tableActionsOf(template, ADMIN_REVOKE)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(tableActionsOf(template, 'GET /whoami (sample protected backend)')).toEqual([]);
    expect(tableActionsOf(template, 'GET /health')).toEqual([]);
  });

  it('grants Query on exactly the index each function reads, and item actions on the table alone', () => {
    const tableArn = tableArnOf(template);
    const queried = (description: string) =>
      tableStatementsOf(template, description)
        .filter((s) => s.actions.includes('dynamodb:Query'))
        .flatMap((s) => s.resources);
    const readers = ['GET /keys', ADMIN_LIST, ADMIN_REVOKE, 'GET /keys/{id}/events'];
    for (const description of ['GET /keys', ADMIN_LIST, ADMIN_REVOKE])
      expect(queried(description)).toEqual([`${tableArn}/index/byOwner-v2`]);
    expect(queried('GET /keys/{id}/events')).toEqual([`${tableArn}/index/byKeyEvents`]);
    for (const description of ['API key authorizer', ...MANAGEMENT_ROUTE_KEYS]) {
      for (const statement of tableStatementsOf(template, description)) {
        if (statement.actions.includes('dynamodb:Query')) {
          // Query alone: no item action rides along onto an index ARN.
          expect(statement.actions).toEqual(['dynamodb:Query']);
          expect(statement.resources).toHaveLength(1);
          expect(statement.resources[0]).toMatch(new RegExp(`^${tableArn.replace('.', '\\.')}/index/[A-Za-z0-9-]+$`));
        } else {
          expect(statement.resources).toEqual([tableArn]);
        }
      }
      if (!readers.includes(description)) expect(queried(description)).toEqual([]);
    }
  });

  it('lets no function Scan the table or delete an item (revoking is an update; TTL deletes)', () => {
    const actions = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat() as string[]));
    expect(actions).toContain('dynamodb:Query');
    for (const forbidden of ['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:*']) {
      expect(actions).not.toContain(forbidden);
    }
  });

  it('uses no wildcard actions or resources and no AWS-managed policies', () => {
    const onEverything: string[] = [];
    for (const r of Object.values(resources)) {
      if (r.Type === 'AWS::IAM::Policy') {
        for (const statement of r.Properties.PolicyDocument.Statement) {
          expect([statement.Action].flat().join(' ')).not.toContain('*');
          if (JSON.stringify(statement.Resource) === '"*"') onEverything.push(...[statement.Action].flat());
        }
      }
      if (r.Type === 'AWS::IAM::Role') expect(r.Properties.ManagedPolicyArns).toBeUndefined();
    }
    // The one exception, aws-cdk-lib's grant for the stream's event source mapping (acknowledged in lib/nag-acknowledgements.ts).
    expect(onEverything).toEqual(['dynamodb:ListStreams']);
  });

  it('runs every function on Node.js 24, ARM64, with its own log group and a set retention', () => {
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    // A function per route (the sample /whoami and GET /openapi.json included; the console's two routes share one), the
    // authorizer, the signing-key rotation, and the lifecycle events' two (the stream's and the daily expiry notice).
    expect(functions).toHaveLength(new Set(ROUTES.map((route) => route.function)).size + 4);
    expect(functions).toHaveLength(20);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
      // No source map is shipped unless asked (the sourceMaps setting, lib/bundling.ts), so Node has none to read.
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    }
    const logGroups = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(21); // twenty functions and the access log
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('gives the authorizer a timeout its DynamoDB retries fit inside, and no Auth0 settings', () => {
    const authorizer = Object.values(resources).find((r) => r.Properties.Description === 'API key authorizer')!;
    expect(authorizer.Properties.Timeout * 1000).toBeGreaterThan(worstCaseMs(AUTHORIZER_DYNAMODB_TIMEOUTS));
    expect(Object.keys(authorizer.Properties.Environment.Variables).sort()).toEqual(
      [
        'API_KEY_ROUTES',
        'ASSERTION_AUDIENCE',
        'ASSERTION_ISSUER',
        'ASSERTION_LIFETIME_SECONDS',
        'ASSERTION_SECRET_ARN',
        'AUDIT_RETENTION_DAYS',
        'DEFAULT_KEY_LIFETIME_DAYS',
        'KEY_HEADER',
        'KEY_PREFIX',
        'MAX_KEYS_PER_USER',
        'MAX_KEY_LIFETIME_DAYS',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_SERVICE_NAME',
        'ROUTE_SCOPES',
        'TABLE_NAME',
        'UNSCOPED_ROUTES',
        'VERDICT_CACHE_TTL_SECONDS',
      ].sort(),
    );
    // No route needs a scope, so none is refused for lacking one; the sample route is the one API keys guard.
    expect(authorizer.Properties.Environment.Variables).toMatchObject({ UNSCOPED_ROUTES: 'allow', API_KEY_ROUTES: 'GET /whoami' });
  });

  it('tells every function that reads the key settings that no route needs a scope, and the audit retention', () => {
    for (const description of ['API key authorizer', ...MANAGEMENT_ROUTE_KEYS]) {
      const environment = environmentOf(template, description);
      expect(environment.ROUTE_SCOPES).toBe('{}');
      expect(environment.AUDIT_RETENTION_DAYS).toBe(String(DEFAULT_KEY_POLICY.auditRetentionDays));
      expect(environment.ALLOWED_KEY_SCOPES).toBeUndefined();
    }
  });

  it('wires the Lambda authorizer: payload 2.0, simple responses, cached per Authorization header and route, the TTL split between the two caches', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      // Per route: the verdict depends on the route's required scope.
      IdentitySource: ['$request.header.Authorization', '$context.routeKey'],
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
      'GET /.well-known/jwks.json': 'NONE',
      'GET /whoami': 'CUSTOM',
      // The client authenticates with its key in the request (RFC 6749 §2.3.1): the function checks it.
      'POST /oauth/token': 'NONE',
      'POST /secret-scanning/github': 'NONE',
      'GET /openapi.json': 'NONE',
      'POST /keys': 'JWT',
      'GET /keys': 'JWT',
      'GET /keys/{id}': 'JWT',
      'PATCH /keys/{id}': 'JWT',
      'DELETE /keys/{id}': 'JWT',
      'POST /keys/{id}/rotate': 'JWT',
      'GET /keys/{id}/events': 'JWT',
      // Support staff: the JWT authorizer lets any Auth0 token through; the functions require ADMIN_SCOPE.
      'GET /admin/users/{sub}/keys': 'JWT',
      'POST /admin/users/{sub}/revoke-keys': 'JWT',
      // The console's page and files: public, as a login page is; the page logs in to Auth0 itself.
      'GET /console': 'NONE',
      'GET /console/{proxy+}': 'NONE',
    });
    // ...and JWT means the Auth0 authorizer.
    const [auth0Id] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { AuthorizerType: 'JWT' } }));
    for (const r of routes.filter((route) => route.Properties.AuthorizationType === 'JWT')) {
      expect(r.Properties.AuthorizerId).toEqual({ Ref: auth0Id });
    }
  });

  it('logs access without headers, throttles by default and has no CORS unless asked', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, DetailedMetricsEnabled: true }),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    // Creating keys has its own ceiling, all callers together (each owner's own budget is in DynamoDB); so has
    // rotating, which creates one, and the token exchange.
    expect(stage.Properties.RouteSettings).toEqual({
      'POST /keys': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /keys/{id}/rotate': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /oauth/token': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/header|authorization/i);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('makes the stage depend on every route its settings name, so a first deploy creates the routes first', () => {
    // API Gateway refuses route settings for a route that does not exist yet ("Unable to find Route by key"),
    // and CloudFormation creates resources in dependency order (aws/serverless-application-model#2479).
    for (const context of [{}, { backendUrl: 'https://backend.example.com' }]) {
      const all = synth(context).template.toJSON().Resources as Resources & Record<string, { DependsOn?: string[] }>;
      const [stage] = Object.values(all).filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
      const routeIds = Object.fromEntries(
        Object.entries(all)
          .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route')
          .map(([id, r]) => [r.Properties.RouteKey as string, id]),
      );
      const settings = Object.keys(stage!.Properties.RouteSettings as object);
      expect(settings.length).toBeGreaterThan(0);
      for (const routeKey of settings) {
        expect(routeIds[routeKey]).toBeDefined();
        expect(stage!.DependsOn).toContain(routeIds[routeKey]);
      }
    }
  });

  it('alarms on authorizer errors, management 5xx and DynamoDB throttling (and more: test/infra/alarms.test.ts)', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    // Eight of the API's and the table's (test/infra/alarms.test.ts), five of the lifecycle events' (test/infra/lifecycle-events.test.ts).
    expect(alarms).toHaveLength(13);
    const text = JSON.stringify(alarms);
    expect(text).toContain('"MetricName":"Errors"');
    expect(text).toContain('"MetricName":"5xx"');
    expect(text).toContain('"MetricName":"ThrottledRequests"');
    // A quiet route must not blank the management sum.
    expect(text).toContain(MANAGEMENT_ROUTE_KEYS.map((_, i) => `FILL(m${i}, 0)`).join(' + '));
    // Every management route is summed, new ones included.
    const management = alarms.find((a) => JSON.stringify(a).includes('"5xx"') && a.Properties.Metrics !== undefined)!;
    const summed = management.Properties.Metrics.filter((m: any) => m.MetricStat !== undefined).map((m: any) => {
      const dimensions = Object.fromEntries(m.MetricStat.Metric.Dimensions.map((d: any) => [d.Name, d.Value]));
      return `${dimensions.Method} ${dimensions.Resource}`;
    });
    expect(summed.sort()).toEqual([...MANAGEMENT_ROUTE_KEYS].sort());
  });

  it('outputs the API URL without a trailing slash (the API endpoint, not the stage URL) and the table name', () => {
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    // "The default endpoint for an API. For example: https://abcdef.execute-api.us-west-2.amazonaws.com."
    // (AWS::ApiGatewayV2::Api return values); the stage URL would end in "/".
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] } });
    template.hasOutput('TableName', {});
  });
});

describe('configuration', () => {
  it('refuses to synthesize without the Auth0 settings, naming them', () => {
    expect(() => buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }))).toThrow(ConfigError);
    expect(() => buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }))).toThrow(
      expect.objectContaining({
        setting: 'auth0Domain',
        message: 'Set auth0Domain: cdk deploy -c auth0Domain=... (or the environment variable AUTH0_DOMAIN)',
      }),
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
    [{ routeScopes: '{"GET /whoami": read}' }, /^routeScopes: must be a JSON object/],
    [{ routeScopes: '["GET /whoami"]' }, /^routeScopes: must be a JSON object/],
    [{ routeScopes: '{"whoami":"read"}' }, /^routeScopes: "whoami" is not a route key/],
    [{ routeScopes: '{"GET /whoami":"read it"}' }, /^routeScopes: the scope for "GET \/whoami"/],
    [{ routeScopes: '{"GET /keys":"read"}' }, /^routeScopes: "GET \/keys" is a key-management route.*never be checked/],
    [{ routeScopes: '{"POST /keys/{id}/rotate":"admin"}' }, /^routeScopes: "POST \/keys\/\{id\}\/rotate" is a key-management route/],
    // The same route to API Gateway, whatever the parameter is called.
    [{ routeScopes: '{"DELETE /keys/{keyId}":"admin"}' }, /^routeScopes: "DELETE \/keys\/\{keyId\}" is a key-management route/],
    [{ routeScopes: '{"GET /health":"read"}' }, /^routeScopes: "GET \/health" is a public route/],
    [
      { routeScopes: '{"GET /whoami":"read"}', backendUrl: 'https://backend.example.com' },
      /^routeScopes: "GET \/whoami" is the sample route, which a backend replaces/,
    ],
    [{ allowedKeyScopes: 'read, write it' }, /^allowedKeyScopes: "write it" is not a scope/],
    [{ auditRetentionDays: '0' }, /^auditRetentionDays must be a whole number from 1 to 3650, got "0"/],
    [{ auditRetentionDays: '3651' }, /^auditRetentionDays must be a whole number from 1 to 3650/],
    [{ auditRetentionDays: '1.5' }, /^auditRetentionDays must be a whole number from 1 to 3650/],
  ])('refuses %j', (context, message) => {
    expect(() => synth(context)).toThrow(ConfigError);
    expect(() => synth(context)).toThrow(message);
  });

  it('refuses, at synth, a route scope on a route no API key protects', () => {
    const { app } = buildApp(new App({ context: { ...BASE_CONTEXT, routeScopes: '{"GET /orders":"orders:read"}' } }));
    expect(() => app.synth()).toThrow(
      /routeScopes: "GET \/orders" names no route behind the API-key authorizer \(those are GET \/whoami\)/,
    );
    // With the sample route gone, ANY /{proxy+} is the key route.
    expect(() =>
      synth({ routeScopes: '{"GET /whoami":"read"}', backendFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders' }),
    ).toThrow(/the sample route/);
    const { app: withBackend } = buildApp(
      new App({ context: { ...BASE_CONTEXT, routeScopes: '{"ANY /{proxy+}":"read"}', backendUrl: 'https://backend.example.com' } }),
    );
    expect(() => withBackend.synth()).not.toThrow();
  });

  it('accepts a route scope on a route the app protects itself', () => {
    const { app, stack } = buildApp(new App({ context: { ...BASE_CONTEXT, routeScopes: '{"GET /orders/{id}":"orders:read"}' } }));
    const orders = LambdaFunction.fromFunctionArn(stack, 'Orders', 'arn:aws:lambda:eu-west-1:123456789012:function:orders');
    stack.keys.protect('/orders/{id}', new HttpLambdaIntegration('OrdersIntegration', orders), [HttpMethod.GET]);
    expect(() => app.synth()).not.toThrow();
    // The authorizer learns every route it guards, protect()ed ones too, and fails closed on those without a scope.
    expect(environmentOf(Template.fromStack(stack), 'API key authorizer')).toMatchObject({
      API_KEY_ROUTES: 'GET /orders/{id},GET /whoami',
      UNSCOPED_ROUTES: 'deny',
    });
  });

  it('lets keys carry the routes’ scopes and the allowed extra ones, and keeps audit events as long as asked', () => {
    const settings: Record<string, string> = {
      auth0Domain: 'example.eu.auth0.com',
      auth0Audience: 'https://api.example.com',
      routeScopes: '{"GET /whoami":"read","ANY /{proxy+}":"read"}',
      allowedKeyScopes: 'write, read,admin',
      auditRetentionDays: '30',
    };
    const config = stackConfig(settings);
    expect([...config.routeScopes]).toEqual([
      ['GET /whoami', 'read'],
      ['ANY /{proxy+}', 'read'],
    ]);
    expect(config.allowedKeyScopes).toEqual(['write', 'read', 'admin']);
    expect(config.keyPolicy.allowedScopes).toEqual(['admin', 'read', 'write']);
    expect(config.keyPolicy.auditRetentionDays).toBe(30);
    const defaults = stackConfig({ auth0Domain: 'example.eu.auth0.com', auth0Audience: 'https://api.example.com' });
    expect(defaults.routeScopes.size).toBe(0);
    expect(defaults.allowedKeyScopes).toEqual([]);
    expect(defaults.keyPolicy.allowedScopes).toEqual([]);
    expect(defaults.keyPolicy.auditRetentionDays).toBe(DEFAULT_KEY_POLICY.auditRetentionDays);
  });

  it('passes the scope settings and the audit retention to the authorizer and every management function', () => {
    const { template } = synth({ routeScopes: '{"GET /whoami":"read"}', allowedKeyScopes: 'write,admin', auditRetentionDays: '30' });
    for (const description of ['API key authorizer', ...MANAGEMENT_ROUTE_KEYS]) {
      expect(environmentOf(template, description)).toMatchObject({
        ROUTE_SCOPES: '{"GET /whoami":"read"}',
        ALLOWED_KEY_SCOPES: 'write,admin',
        AUDIT_RETENTION_DAYS: '30',
      });
    }
    for (const description of ['GET /health', 'GET /whoami (sample protected backend)']) {
      expect(environmentOf(template, description).ROUTE_SCOPES).toBeUndefined();
    }
  });

  it('reads structured settings from cdk.json context, and settings from the environment when the context has none', () => {
    // cdk.json holds JSON: an object or a list arrives as such, not as text.
    const { template } = synth({ routeScopes: { 'GET /whoami': 'read' }, allowedKeyScopes: ['write', 'admin'] });
    expect(environmentOf(template, 'API key authorizer')).toMatchObject({
      ROUTE_SCOPES: '{"GET /whoami":"read"}',
      ALLOWED_KEY_SCOPES: 'write,admin',
    });
    expect(() => synth({ routeScopes: ['GET /whoami'] })).toThrow(/^routeScopes: must be a JSON object/);
    // Numbers and booleans as cdk.json holds them, held to the same rules as text.
    const scalars = synth({ maxKeysPerUser: 5, allowMachineTokens: true, logRetentionDays: 7, requiredScope: null }).template;
    expect(environmentOf(scalars, 'POST /keys')).toMatchObject({ MAX_KEYS_PER_USER: '5', ALLOW_MACHINE_TOKENS: 'true' });
    expect(environmentOf(scalars, 'POST /keys').REQUIRED_SCOPE).toBeUndefined();
    expect(() => synth({ maxKeysPerUser: [5] })).toThrow(/^maxKeysPerUser must be a whole number from 1 to 1000, got "5"$/);
    expect(() => synth({ maxKeysPerUser: 5.5 })).toThrow(/^maxKeysPerUser must be a whole number/);
    expect(() => synth({ allowMachineTokens: 'yes' })).toThrow(/^allowMachineTokens must be true or false, got "yes"$/);
    expect(() => synth({ logRetentionDays: '7.0' })).toThrow(/^logRetentionDays must be one of 1, 3, 5, 7/);

    const saved = { ...process.env };
    try {
      Object.assign(process.env, { ROUTE_SCOPES: '{"GET /whoami":"env"}', ALLOWED_KEY_SCOPES: 'extra', AUDIT_RETENTION_DAYS: '7' });
      expect(environmentOf(synth().template, 'GET /keys')).toMatchObject({
        ROUTE_SCOPES: '{"GET /whoami":"env"}',
        ALLOWED_KEY_SCOPES: 'extra',
        AUDIT_RETENTION_DAYS: '7',
      });
      // Context first.
      expect(environmentOf(synth({ auditRetentionDays: '9' }).template, 'GET /keys').AUDIT_RETENTION_DAYS).toBe('9');
      process.env.ROUTE_SCOPES = '{"GET /keys":"read"}';
      expect(() => synth()).toThrow(/^routeScopes: "GET \/keys" is a key-management route/);
    } finally {
      for (const name of ['ROUTE_SCOPES', 'ALLOWED_KEY_SCOPES', 'AUDIT_RETENTION_DAYS']) {
        if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = saved[name];
      }
    }
  });

  it('passes key settings to the functions and the cache TTL to the authorizer', () => {
    const { template } = synth({
      keyPrefix: 'acme',
      maxKeysPerUser: '5',
      maxKeyLifetimeDays: '30',
      authorizerCacheTtlSeconds: '0',
      requiredScope: 'keys:manage',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'POST /keys',
      Environment: {
        Variables: Match.objectLike({
          KEY_PREFIX: 'acme',
          MAX_KEYS_PER_USER: '5',
          MAX_KEY_LIFETIME_DAYS: '30',
          DEFAULT_KEY_LIFETIME_DAYS: '30',
          REQUIRED_SCOPE: 'keys:manage',
          AUTH0_DOMAIN: 'example.eu.auth0.com',
          ALLOW_MACHINE_TOKENS: 'false',
        }),
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', AuthorizerResultTtlInSeconds: 0 });
  });

  it('protects an HTTP backend with API keys, passing who the key acts as, and drops the sample route', () => {
    const { template } = synth({ backendUrl: 'https://backend.example.com/v1' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /{proxy+}', AuthorizationType: 'CUSTOM' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'HTTP_PROXY',
      IntegrationUri: 'https://backend.example.com/v1/{proxy}',
      RequestParameters: {
        'overwrite:header.x-api-key-sub': '$context.authorizer.sub',
        'overwrite:header.x-api-key-id': '$context.authorizer.keyId',
        // The key's scopes, space-separated.
        'overwrite:header.x-api-key-scopes': '$context.authorizer.scope',
      },
    });
    const [integration] = Object.values(
      template.findResources('AWS::ApiGatewayV2::Integration', { Properties: { IntegrationType: 'HTTP_PROXY' } }),
    );
    expect(Object.keys(integration!.Properties.RequestParameters).sort()).toEqual([
      'overwrite:header.x-api-key-assertion',
      'overwrite:header.x-api-key-id',
      'overwrite:header.x-api-key-scopes',
      'overwrite:header.x-api-key-sub',
    ]);
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
    // By the role's logical ID, construct path first: "ListKeysFunctionRole" alone would match AdminListKeys' too.
    const kmsActionsOf = (role: string) =>
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: any) => ref.Ref?.startsWith(`UserApiKeys${role}`)))
        .flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()))
        .filter((a: string) => a.startsWith('kms:'))
        .sort();
    // Querying the events index only reads; rotating writes.
    expect(kmsActionsOf('ListKeyEventsFunctionRole')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(kmsActionsOf('ListKeysFunctionRole')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(kmsActionsOf('RotateKeyFunctionRole')).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(kmsActionsOf('AdminListKeysFunctionRole')).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(kmsActionsOf('AdminRevokeKeysFunctionRole')).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it('can drop the table with the stack when asked (development stacks)', () => {
    const { template } = synth({ tableRemoval: 'destroy' });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('configures CORS for the given origins', () => {
    const { template } = synth({ corsAllowOrigins: 'https://console.example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://console.example.com'] }),
    });
    // A browser console renames keys with PATCH.
    const [api] = Object.values(template.findResources('AWS::ApiGatewayV2::Api'));
    expect([...api!.Properties.CorsConfiguration.AllowMethods].sort()).toEqual(['DELETE', 'GET', 'PATCH', 'POST']);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('finds nothing that is not fixed or acknowledged with a reason', () => {
    const { app } = synth();
    expect(() => app.synth()).not.toThrow();
  });

  it('finds nothing with scopes, an HTTP backend and a customer-managed key either', () => {
    const { app } = synth({
      routeScopes: '{"ANY /{proxy+}":"read"}',
      allowedKeyScopes: 'write',
      backendUrl: 'https://backend.example.com',
      tableEncryption: 'customer-managed',
      corsAllowOrigins: 'https://console.example.com',
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('finds nothing with the Auth0 event sources, the webhook, a customer-managed key and an alarm topic either', () => {
    const { app } = synth({
      auth0EventSourceNames: 'aws.partner/auth0.com/tenant-1234/auth0.logs,aws.partner/auth0.com/tenant-1234/auth0.events',
      auth0EventsWebhook: 'true',
      tableEncryption: 'customer-managed',
      alarmEmail: 'ops@example.com',
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('does run: a wildcard permission fails the synth', () => {
    const { app, stack } = buildApp(new App({ context: BASE_CONTEXT }));
    stack.keys.authorizerFunction.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });
});
