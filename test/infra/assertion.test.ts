import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { jwksParameterName } from '../../lib/assertion-signing';
import { UserApiKeys } from '../../lib/user-api-keys';
import { worstCaseMs } from '../../lambdas/runtime/call-timeouts';
import { DEFAULT_SIGNING_TIMEOUTS, JWKS_PARAMETER_TIMEOUTS } from '../../lambdas/signing/aws-clients';
import { MAX_CALLS_PER_STEP } from '../../lambdas/signing/key-rotation';
import { BASE_CONTEXT, type Resource, type Resources } from './synth-context';

/** The signed identity assertion, its keys, their rotation and the JWKS route, as synthesized (no bundles). */

function synth(context: Record<string, unknown> = {}) {
  const { stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  const template = Template.fromStack(stack);
  return { template, resources: template.toJSON().Resources as Resources };
}

const ofType = (resources: Resources, type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

function functionNamed(resources: Resources, description: string): [string, Resource] {
  const found = ofType(resources, 'AWS::Lambda::Function').find(([, fn]) => fn.Properties.Description === description);
  expect(found).toBeDefined();
  return found!;
}

/** Every statement of the role the function described runs as, with its resources rendered to logical ids. */
function statementsOf(resources: Resources, description: string): { actions: string[]; resources: string; condition?: unknown }[] {
  const roleId = functionNamed(resources, description)[1].Properties.Role['Fn::GetAtt'][0];
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .map((statement: any) => ({
      actions: ([] as string[]).concat(statement.Action).sort(),
      resources: JSON.stringify(statement.Resource),
      ...(statement.Condition !== undefined ? { condition: statement.Condition } : {}),
    }));
}

const ROTATION = 'Rotates the assertion signing key (Secrets Manager)';
const JWKS = 'GET /.well-known/jwks.json (assertion verifying keys)';
const AUTHORIZER = 'API key authorizer';
const WHOAMI = 'GET /whoami (sample protected backend)';

describe('the identity assertion in the template', () => {
  const { template, resources } = synth({ backendUrl: 'https://internal.example.com/base' });
  const secretDescribed = (pattern: RegExp) =>
    ofType(resources, 'AWS::SecretsManager::Secret').find(([, r]) => pattern.test(r.Properties.Description))!;
  const [secretId, secret] = secretDescribed(/sign x-api-key-assertion/);
  const [tokenKeysSecretId] = secretDescribed(/MAC keys of POST \/oauth\/token/);
  const [kmsKeyId, kmsKey] = ofType(resources, 'AWS::KMS::Key').find(([, key]) => /assertion signing/.test(key.Properties.Description))!;
  const PARAMETER = '/UserApiKeys/assertion-jwks';
  // arn:<partition>:ssm:<region>:<account>:parameter/UserApiKeys/assertion-jwks: one slash after "parameter".
  const parameterArn = JSON.stringify({
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:parameter${PARAMETER}`],
    ],
  });

  it('maps the assertion from the authorizer context onto the URL integration, beside the three plain headers', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'HTTP_PROXY',
      RequestParameters: {
        'overwrite:header.x-api-key-sub': '$context.authorizer.sub',
        'overwrite:header.x-api-key-id': '$context.authorizer.keyId',
        'overwrite:header.x-api-key-scopes': '$context.authorizer.scope',
        'overwrite:header.x-api-key-assertion': '$context.authorizer.assertion',
      },
    });
  });

  it('signs for the backend: the audience is backendUrl’s origin, the issuer the API’s URL', () => {
    const variables = functionNamed(resources, AUTHORIZER)[1].Properties.Environment.Variables;
    expect(variables.ASSERTION_AUDIENCE).toBe('https://internal.example.com');
    const [apiId] = ofType(resources, 'AWS::ApiGatewayV2::Api')[0]!;
    expect(variables.ASSERTION_ISSUER).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
    expect(variables.ASSERTION_SECRET_ARN).toEqual({ Ref: secretId });
    // 30 s in the gateway, 30 s in the authorizer, 60 s margin.
    expect(variables.ASSERTION_LIFETIME_SECONDS).toBe('120');
  });

  it('serves GET /.well-known/jwks.json publicly, from its own function', () => {
    const route = ofType(resources, 'AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === 'GET /.well-known/jwks.json');
    expect(route).toBeDefined();
    expect(route![1].Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(route![1].Properties.AuthorizerId).toBeUndefined();
    const [jwksFunctionId] = functionNamed(resources, JWKS);
    const integrationId = /"(\w+Integration\w*)"/.exec(JSON.stringify(route![1].Properties.Target))![1]!;
    expect(JSON.stringify(resources[integrationId]!.Properties.IntegrationUri)).toContain(jwksFunctionId);
  });

  it('keeps the private keys in a secret under a rotating customer-managed KMS key, rotated on a schedule by its function', () => {
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [kmsKeyId, 'Arn'] });
    expect(kmsKey.Properties.EnableKeyRotation).toBe(true);
    const [, schedule] = ofType(resources, 'AWS::SecretsManager::RotationSchedule')[0]!;
    expect(schedule.Properties.SecretId).toEqual({ Ref: secretId });
    expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    expect(schedule.Properties.RotateImmediatelyOnUpdate).toBe(true);
    const [rotationId] = functionNamed(resources, ROTATION);
    expect(schedule.Properties.RotationLambdaARN).toEqual({ 'Fn::GetAtt': [rotationId, 'Arn'] });
    // Only Secrets Manager, for this secret, may invoke it; the schedule waits for that permission.
    const [permissionId, permission] = ofType(resources, 'AWS::Lambda::Permission').find(
      ([, p]) => p.Properties.Principal === 'secretsmanager.amazonaws.com',
    )!;
    expect(permission.Properties.SourceArn).toEqual({ Ref: secretId });
    expect(schedule.DependsOn).toContain(permissionId);
  });

  it('rotates as often as assertionKeyRotationDays says', () => {
    const rotated = synth({ assertionKeyRotationDays: '7' }).resources;
    expect(ofType(rotated, 'AWS::SecretsManager::RotationSchedule')[0]![1].Properties.RotationRules.ScheduleExpression).toBe(
      'rate(7 days)',
    );
    expect(() => synth({ assertionKeyRotationDays: '0' })).toThrow(/^assertionKeyRotationDays must be a whole number from 1 to 365/);
  });

  it('gives the authorizer the secret to read and nothing more of it: GetSecretValue, Decrypt only through Secrets Manager', () => {
    const statements = statementsOf(resources, AUTHORIZER).filter(
      (s) => !s.actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('logs:')),
    );
    expect(statements).toEqual([
      { actions: ['secretsmanager:GetSecretValue'], resources: JSON.stringify({ Ref: secretId }) },
      {
        actions: ['kms:Decrypt'],
        resources: JSON.stringify({ 'Fn::GetAtt': [kmsKeyId, 'Arn'] }),
        condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        },
      },
    ]);
  });

  it('names the JWKS parameter after the stack, with the leading slash the functions require, and declares no resource for it', () => {
    // The rotation function owns it (its PutParameter creates it): a stack update can never reset the published keys.
    expect(ofType(resources, 'AWS::SSM::Parameter')).toEqual([]);
    // The sample /whoami is there without backendUrl.
    const sample = synth().resources;
    for (const [description, found] of [
      [JWKS, resources],
      [ROTATION, resources],
      [WHOAMI, sample],
    ] as const) {
      expect(functionNamed(found, description)[1].Properties.Environment.Variables.ASSERTION_JWKS_PARAMETER).toBe(PARAMETER);
    }
    expect(jwksParameterName('Other-Stack')).toBe('/Other-Stack/assertion-jwks');
  });

  it('lets the JWKS function read that one parameter and nothing else: not the secret, not its key, not the table', () => {
    const statements = statementsOf(resources, JWKS).filter((s) => !s.actions.some((a) => a.startsWith('logs:')));
    expect(statements).toEqual([{ actions: ['ssm:GetParameter'], resources: parameterArn }]);
  });

  it('gives the sample /whoami nothing of SSM or the secret: it verifies against the public JWKS over https', () => {
    const statements = statementsOf(synth().resources, WHOAMI).filter((s) => !s.actions.some((a) => a.startsWith('logs:')));
    expect(statements).toEqual([]);
  });

  it('lets the rotation function do the four rotation actions on its secret, use the key through Secrets Manager, and write the JWKS and the token keys', () => {
    const statements = statementsOf(resources, ROTATION).filter((s) => !s.actions.some((a) => a.startsWith('logs:')));
    expect(statements.map((s) => s.actions)).toEqual([
      [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      ['secretsmanager:PutSecretValue'],
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      ['ssm:GetParameter', 'ssm:PutParameter'],
    ]);
    expect(statements[0]!.resources).toBe(JSON.stringify({ Ref: secretId }));
    // The token keys' secret: written, never read.
    expect(statements[1]!.resources).toBe(JSON.stringify({ Ref: tokenKeysSecretId }));
    expect(statements[2]!.condition).toBeDefined();
    // PutParameter (which creates it) and GetParameter on exactly that parameter's ARN: no wildcard, no other name.
    expect(statements[3]!.resources).toBe(parameterArn);
    // No GetRandomPassword on "*" (CDK's RotationSchedule would add it): the keys come from node:crypto.
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  it('lets the token exchange read the token keys alone: never the signing keys, which sign assertions', () => {
    const statements = statementsOf(resources, 'POST /oauth/token (client-credentials exchange)').filter(
      (s) => !s.actions.some((a) => a.startsWith('logs:') || a.startsWith('dynamodb:')),
    );
    expect(statements.map((s) => s.actions)).toEqual([['secretsmanager:GetSecretValue'], ['kms:Decrypt']]);
    expect(statements[0]!.resources).toBe(JSON.stringify({ Ref: tokenKeysSecretId }));
    expect(JSON.stringify(statements)).not.toContain(JSON.stringify({ Ref: secretId }));
    const variables = functionNamed(resources, 'POST /oauth/token (client-credentials exchange)')[1].Properties.Environment.Variables;
    expect(variables.ACCESS_TOKEN_KEYS_SECRET_ARN).toEqual({ Ref: tokenKeysSecretId });
    expect(variables.ASSERTION_SECRET_ARN).toBeUndefined();
  });

  it('never puts key material in the template or an environment: the secret starts as a generated placeholder', () => {
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toEqual({});
    const text = JSON.stringify(template.toJSON());
    for (const marker of ['"d":', 'PRIVATE KEY', '"kty"', 'BEGIN ']) expect(text).not.toContain(marker);
    for (const [, fn] of ofType(resources, 'AWS::Lambda::Function')) {
      const variables = JSON.stringify(fn.Properties.Environment?.Variables ?? {});
      expect(variables).not.toMatch(/PRIVATE|"d"|SIGNING_KEY/);
    }
  });

  it('gives the JWKS function time for its one short GetParameter, so a slow one ends as its 503, not a Lambda timeout', () => {
    expect(JWKS_PARAMETER_TIMEOUTS.maxAttempts).toBe(1);
    const timeoutMs = functionNamed(resources, JWKS)[1].Properties.Timeout * 1000;
    expect(timeoutMs).toBeGreaterThan(worstCaseMs(JWKS_PARAMETER_TIMEOUTS));
  });

  it('gives the rotation function time for its longest step, every call at its worst, within the 15 minutes Lambda allows', () => {
    const timeoutMs = functionNamed(resources, ROTATION)[1].Properties.Timeout * 1000;
    expect(timeoutMs).toBeGreaterThan(MAX_CALLS_PER_STEP * worstCaseMs(DEFAULT_SIGNING_TIMEOUTS));
    expect(timeoutMs).toBeLessThanOrEqual(15 * 60_000);
  });
});

describe('the JWKS parameter’s name', () => {
  const AUTH0 = { auth0Domain: 'example.eu.auth0.com', auth0Audience: 'https://api.example.com' };
  const stack = (name: string) => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), name);

  it('is one per stack: a second UserApiKeys in the same stack would share it, so it is refused', () => {
    const shared = stack('Shared');
    new UserApiKeys(shared, 'First', AUTH0);
    expect(() => new UserApiKeys(shared, 'Second', AUTH0)).toThrow(
      /^One UserApiKeys per stack: its JWKS parameter \/Shared\/assertion-jwks/,
    );
  });

  it('refuses a stack name SSM would refuse as the parameter’s first level (aws…, ssm…)', () => {
    expect(() => new UserApiKeys(stack('awsKeys'), 'Keys', AUTH0)).toThrow(/begin with "aws" or "ssm"/);
    expect(() => new UserApiKeys(stack('SSM-keys'), 'Keys', AUTH0)).toThrow(/begin with "aws" or "ssm"/);
  });
});

describe('the key header', () => {
  it('is Authorization by default: the identity source, and nothing removed (API Gateway cannot remove it)', () => {
    const { template, resources } = synth({ backendUrl: 'https://internal.example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['$request.header.Authorization', '$context.routeKey'],
    });
    const [, integration] = ofType(resources, 'AWS::ApiGatewayV2::Integration').find(
      ([, i]) => i.Properties.IntegrationType === 'HTTP_PROXY',
    )!;
    expect(Object.keys(integration.Properties.RequestParameters).filter((key) => key.startsWith('remove:'))).toEqual([]);
  });

  it('keyHeader x-api-key: the identity source, the authorizer reads it, and the URL integration removes it before the backend', () => {
    const { template, resources } = synth({ backendUrl: 'https://internal.example.com', keyHeader: 'x-api-key' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['$request.header.x-api-key', '$context.routeKey'],
    });
    expect(functionNamed(resources, AUTHORIZER)[1].Properties.Environment.Variables.KEY_HEADER).toBe('x-api-key');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'HTTP_PROXY',
      RequestParameters: { 'remove:header.x-api-key': '', 'overwrite:header.x-api-key-assertion': '$context.authorizer.assertion' },
    });
  });

  it('keyHeader x-api-key with a browser app: CORS allows that header, so a preflight does not refuse the key', () => {
    const { template } = synth({ keyHeader: 'x-api-key', corsAllowOrigins: 'https://app.example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com'],
        AllowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key'],
        // A page on another origin may read when to retry, and whether an answer was a replay.
        ExposeHeaders: ['retry-after', 'idempotent-replayed'],
      },
    });
  });

  it.each(['x-amzn-key', 'x-forwarded-for', 'X-Api-Key', 'x-api-key-assertion', 'content-type', 'has space'])(
    'refuses keyHeader %s',
    (keyHeader) => {
      expect(() => synth({ keyHeader })).toThrow(/^keyHeader must be a lower-case header name/);
    },
  );
});

describe('the assertion for other backends', () => {
  it('a Lambda backend: the audience is its ARN', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:orders';
    const { resources } = synth({ backendFunctionArn: arn });
    expect(functionNamed(resources, AUTHORIZER)[1].Properties.Environment.Variables.ASSERTION_AUDIENCE).toBe(arn);
  });

  it('the sample /whoami: it verifies with the same issuer and audience the authorizer signs with', () => {
    const { resources } = synth();
    const authorizer = functionNamed(resources, AUTHORIZER)[1].Properties.Environment.Variables;
    const whoami = functionNamed(resources, 'GET /whoami (sample protected backend)')[1].Properties.Environment.Variables;
    expect(whoami.ASSERTION_ISSUER).toEqual(authorizer.ASSERTION_ISSUER);
    expect(whoami.ASSERTION_AUDIENCE).toEqual(authorizer.ASSERTION_AUDIENCE);
    expect(whoami.ASSERTION_SECRET_ARN).toBeUndefined();
  });

  it('takes assertionAudience and assertionIssuer as set', () => {
    const { resources } = synth({ assertionAudience: 'urn:orders', assertionIssuer: 'https://api.example.com' });
    expect(functionNamed(resources, AUTHORIZER)[1].Properties.Environment.Variables).toMatchObject({
      ASSERTION_AUDIENCE: 'urn:orders',
      ASSERTION_ISSUER: 'https://api.example.com',
    });
  });
});
