import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { uncheckedRouteScope } from '../../lambdas/domain/route-scope-check';
import { ConfigError } from '../../lambdas/settings/config-error';
import type { FunctionComponent } from '../../lambdas/settings/function-environment';
import { environmentReader, loadSettings } from '../../lambdas/settings/load';
import { buildApp } from '../../lib/app';

/**
 * Every deployed function loads its settings at cold start and fails its init
 * on a ConfigError: a template whose environment its own loader refuses is a
 * stack that never works (an SSM parameter name CloudFormation generated,
 * `CFN-...` with no leading slash, did exactly that to the JWKS, rotation and
 * /whoami functions). So: synthesize the stack, resolve each function's
 * environment the way CloudFormation would at deploy, with realistic
 * generated names and ARNs, and load it with the loader that function's
 * entry point uses. An intrinsic this test cannot resolve fails it loudly.
 */

const ROOT = join(__dirname, '..', '..');
const ENTRYPOINTS = join(ROOT, 'lambdas', 'entrypoints');
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const API_ID = 'abcdef1234';
const BASE_CONTEXT = {
  auth0Domain: 'example.eu.auth0.com',
  auth0Audience: 'https://api.example.com',
  'aws:cdk:bundling-stacks': [],
};

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
type Resources = Record<string, Resource>;

/**
 * The settings component an entry point loads, read from its source: the
 * runtime modules it imports and the `loadSettings('<component>'` calls in
 * them. None for an entry point that loads no settings (health).
 */
function componentOf(entrypoint: string): FunctionComponent | undefined {
  const file = join(ENTRYPOINTS, `${entrypoint}.ts`);
  if (!existsSync(file)) throw new Error(`no entry point lambdas/entrypoints/${entrypoint}.ts`);
  const source = readFileSync(file, 'utf8');
  const components = new Set<string>();
  for (const [, module] of source.matchAll(/from '\.\.\/runtime\/([\w-]+)'/g)) {
    const wiring = readFileSync(join(ROOT, 'lambdas', 'runtime', `${module!}.ts`), 'utf8');
    for (const [, component] of wiring.matchAll(/loadSettings\('(\w+)'/g)) components.add(component!);
  }
  expect(components.size).toBeLessThanOrEqual(1);
  return [...components][0] as FunctionComponent | undefined;
}

/** What CloudFormation makes of a resource's Ref and attributes, for the types the functions' environments name. */
function resolver(resources: Resources, stackName: string) {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  const generated = (logicalId: string) => `${stackName}-${logicalId.slice(0, 40)}-1A2B3C4D5E6F`;
  const resourceOf = (logicalId: string): Resource => {
    const resource = resources[logicalId];
    if (resource === undefined) throw new Error(`a reference to ${logicalId}, which the template does not have`);
    return resource;
  };
  const secretName = (logicalId: string, resource: Resource): string =>
    (resource.Properties.Name as string | undefined) ?? `${logicalId.slice(0, 30)}-Xy12Ab34Cd56`;

  function ref(logicalId: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
    };
    if (pseudo[logicalId] !== undefined) return pseudo[logicalId];
    const resource = resourceOf(logicalId);
    switch (resource.Type) {
      // "CFN-<logical id>-<random>" when the template names none: no leading slash.
      case 'AWS::SSM::Parameter':
        return (resource.Properties.Name as string | undefined) ?? `CFN-${logicalId}-gT1RvW4qS9zK`;
      case 'AWS::DynamoDB::Table':
        return (resource.Properties.TableName as string | undefined) ?? generated(logicalId);
      // A secret's Ref is its ARN, the name plus a hyphen and six random characters.
      case 'AWS::SecretsManager::Secret':
        return arn('secretsmanager', `secret:${secretName(logicalId, resource)}-AbCdEf`);
      case 'AWS::Lambda::Function':
        return (resource.Properties.FunctionName as string | undefined) ?? generated(logicalId);
      case 'AWS::SNS::Topic':
        return arn('sns', (resource.Properties.TopicName as string | undefined) ?? generated(logicalId));
      case 'AWS::KMS::Key':
        return '1234abcd-12ab-34cd-56ef-1234567890ab';
      case 'AWS::ApiGatewayV2::Api':
        return API_ID;
      default:
        throw new Error(`a Ref to ${logicalId}, a ${resource.Type}: this test does not know what CloudFormation returns for it`);
    }
  }

  function getAtt(logicalId: string, attribute: string): string {
    const resource = resourceOf(logicalId);
    if (resource.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') {
      return `https://${API_ID}.execute-api.${REGION}.amazonaws.com`;
    }
    if (attribute === 'Arn') {
      switch (resource.Type) {
        case 'AWS::Lambda::Function':
          return arn('lambda', `function:${ref(logicalId)}`);
        case 'AWS::DynamoDB::Table':
          return arn('dynamodb', `table/${ref(logicalId)}`);
        case 'AWS::KMS::Key':
          return arn('kms', `key/${ref(logicalId)}`);
        case 'AWS::SecretsManager::Secret':
          return ref(logicalId);
        case 'AWS::SNS::Topic':
          return ref(logicalId);
        case 'AWS::IAM::Role':
          return `arn:aws:iam::${ACCOUNT}:role/${generated(logicalId)}`;
        case 'AWS::Logs::LogGroup':
          return arn('logs', `log-group:${generated(logicalId)}:*`);
        default:
          break;
      }
    }
    throw new Error(
      `Fn::GetAtt ${logicalId}.${attribute} (a ${resource.Type}): this test does not know what CloudFormation returns for it`,
    );
  }

  return function resolve(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const entries = Object.entries(value);
      if (entries.length === 1) {
        const [[name, argument]] = entries as [[string, any]];
        if (name === 'Ref' && typeof argument === 'string') return ref(argument);
        if (name === 'Fn::GetAtt' && Array.isArray(argument) && argument.length === 2) return getAtt(argument[0], argument[1]);
        if (name === 'Fn::Join' && Array.isArray(argument) && typeof argument[0] === 'string' && Array.isArray(argument[1])) {
          return (argument[1] as unknown[]).map(resolve).join(argument[0]);
        }
      }
    }
    throw new Error(`an environment value this test cannot resolve as CloudFormation would: ${JSON.stringify(value)}`);
  };
}

/** Each function: its logical ID, its entry point (from the house service name), and its environment as deployed. */
function deployedFunctions(context: Record<string, unknown>) {
  const { stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  const resolve = resolver(resources, stack.stackName);
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, fn]) => {
      const variables = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      const service = variables.POWERTOOLS_SERVICE_NAME;
      // lib/key-functions.ts names every function's service user-api-keys-<entry point>.
      if (typeof service !== 'string' || !service.startsWith('user-api-keys-')) {
        throw new Error(
          `${logicalId} is not one of the project's functions (service ${JSON.stringify(service)}): add how it loads its settings`,
        );
      }
      const environment = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolve(value)]));
      return { logicalId, entrypoint: service.slice('user-api-keys-'.length), environment };
    });
}

/** What the entry point does with its environment at cold start, up to the first AWS call. */
function coldStartSettings(entrypoint: string, environment: Record<string, string>): void {
  const component = componentOf(entrypoint);
  if (component === undefined) return;
  const settings = loadSettings(component, environmentReader(environment));
  if (component === 'authorizer') {
    // lambdaAuthorizerDependencies refuses, with a ConfigError too, a ROUTE_SCOPES naming a route it does not guard.
    const authorizer = settings as ReturnType<typeof loadSettings<'authorizer'>>;
    if (authorizer.apiKeyRoutes !== undefined) {
      const unchecked = uncheckedRouteScope(authorizer.routeScopes, authorizer.apiKeyRoutes, { sampleReplaced: false });
      if (unchecked !== undefined) throw new ConfigError('ROUTE_SCOPES', { detail: unchecked });
    }
  }
}

describe('every function loads the environment the stack gives it, as CloudFormation resolves it', () => {
  it('knows every entry point and the settings each loads', () => {
    const entrypoints = readdirSync(ENTRYPOINTS).map((file) => file.replace(/\.ts$/, ''));
    expect(Object.fromEntries(entrypoints.map((entrypoint) => [entrypoint, componentOf(entrypoint) ?? 'none']))).toMatchObject({
      authorizer: 'authorizer',
      'create-key': 'management',
      health: 'none',
      jwks: 'assertion',
      'rotate-signing-key': 'assertion',
      whoami: 'assertion',
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['the default stack', {}],
    ['backendUrl', { backendUrl: 'https://internal.example.com/base' }],
    ['backendFunctionArn', { backendFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:orders` }],
    ['keyHeader x-api-key', { keyHeader: 'x-api-key' }],
  ])('%s: no function fails its cold start on a setting', (_name, context) => {
    const functions = deployedFunctions(context);
    expect(functions.map((fn) => fn.entrypoint)).toEqual(
      expect.arrayContaining(['authorizer', 'jwks', 'rotate-signing-key', 'create-key']),
    );
    const failures = functions.flatMap(({ logicalId, entrypoint, environment }) => {
      try {
        coldStartSettings(entrypoint, environment);
        return [];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return [`${logicalId} (${entrypoint}): ${error.message}`];
      }
    });
    expect(failures).toEqual([]);
  });

  it('resolves what it knows and refuses, loudly, what it does not', () => {
    const resolve = resolver(
      {
        Param: { Type: 'AWS::SSM::Parameter', Properties: {} },
        Named: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/Stack/assertion-jwks' } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
      },
      'Stack',
    );
    expect(resolve({ Ref: 'Param' })).toBe('CFN-Param-gT1RvW4qS9zK');
    expect(resolve({ Ref: 'Named' })).toBe('/Stack/assertion-jwks');
    expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm']] })).toBe('arn:aws:ssm');
    expect(() => resolve({ Ref: 'Queue' })).toThrow(/AWS::SQS::Queue/);
    expect(() => resolve({ 'Fn::Sub': '${AWS::Region}' })).toThrow(/cannot resolve/);
  });
});
