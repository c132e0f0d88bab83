import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessTokenVerifier } from '../../lambdas/auth/access-token-verifier';
import { INDEX_FILE, MANIFEST_FILE } from '../../lambdas/console/console-assets';
import { CONSOLE_ASSETS_FOLDER } from '../../lambdas/runtime/console-wiring';
import { ConfigError } from '../../lambdas/settings/config-error';
import type { FunctionComponent } from '../../lambdas/settings/function-environment';
import { entrypointFile } from '../../lib/bundling';
import { buildApp } from '../../lib/app';
import { buildIn, edgeContext, FULL_EDGE } from './edge-support';
import { BASE_CONTEXT, type Resource, type Resources } from './synth-context';

// The wirings start AWS and Auth0 calls at construction (the authorizer's signer primes a Secrets Manager load, the
// management functions hydrate Auth0's JWKS): every client here reaches nothing, so no test makes a network call
// or leaves an SDK credential lookup running once its environment is restored.
const mockNoAws = () => ({ send: () => Promise.reject(new Error('no AWS in tests')) });
jest.mock('../../lambdas/signing/aws-clients', () => ({
  ...jest.requireActual('../../lambdas/signing/aws-clients'),
  createSecretsManagerClient: () => mockNoAws(),
}));
jest.mock('../../lambdas/signing/jwks-parameter', () => ({
  ...jest.requireActual('../../lambdas/signing/jwks-parameter'),
  createSsmClient: () => mockNoAws(),
}));
jest.mock('../../lambdas/runtime/clients', () => ({
  ...jest.requireActual('../../lambdas/runtime/clients'),
  createDocumentClient: () => mockNoAws(),
}));

/**
 * Every deployed function loads its settings at cold start and fails its init
 * on a ConfigError: a template whose environment its own loader refuses is a
 * stack that never works (an SSM parameter name CloudFormation generated,
 * `CFN-...` with no leading slash, did exactly that to the JWKS, rotation and
 * /whoami functions). So: synthesize the stack, resolve each function's
 * environment the way CloudFormation would at deploy, with realistic
 * generated names and ARNs, and run the wiring that function's entry point
 * calls at cold start (which loads its settings) with that environment as
 * process.env. An intrinsic this test cannot resolve fails it loudly.
 */

const ROOT = join(__dirname, '..', '..');
const ENTRYPOINTS = join(ROOT, 'lambdas', 'entrypoints');
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const API_ID = 'abcdef1234';
const DISTRIBUTION_DOMAIN = 'd111111abcdef8.cloudfront.net';

/**
 * The settings component an entry point loads, read from its source: the
 * runtime modules it imports and the `loadSettings('<component>'` calls in
 * them. None for an entry point that loads no settings (health).
 */
function componentOf(entrypoint: string): FunctionComponent | undefined {
  const file = entrypointFile(entrypoint);
  if (!existsSync(file)) throw new Error(`no entry point lambdas/entrypoints/${entrypoint}.ts`);
  const source = readFileSync(file, 'utf8');
  const components = new Set<string>();
  for (const [, module] of source.matchAll(/from '\.\.\/runtime\/([\w-]+)(?:\.js)?'/g)) {
    const wiring = readFileSync(join(ROOT, 'lambdas', 'runtime', `${module!}.ts`), 'utf8');
    for (const [, component] of wiring.matchAll(/loadSettings\('(\w+)'/g)) components.add(component!);
  }
  expect(components.size).toBeLessThanOrEqual(1);
  return [...components][0] as FunctionComponent | undefined;
}

/**
 * What an entry point calls at cold start: the `lambda...` functions it imports from lambdas/runtime, each with
 * the module that exports it (the module as the test's mocks leave it).
 */
function wiringsOf(entrypoint: string): { name: string; wiring: () => unknown }[] {
  const source = readFileSync(entrypointFile(entrypoint), 'utf8');
  return [...source.matchAll(/import \{([^}]+)\} from '\.\.\/runtime\/([\w-]+)(?:\.js)?'/g)].flatMap(([, names, module]) =>
    names!
      .split(',')
      .map((name) => name.trim())
      .filter((name) => /^lambda\w+$/.test(name))
      .map((name) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exported = (require(join(ROOT, 'lambdas', 'runtime', module!)) as Record<string, unknown>)[name];
        if (typeof exported !== 'function') throw new Error(`lambdas/runtime/${module!} exports no function ${name}`);
        return { name, wiring: exported as () => unknown };
      }),
  );
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
    // A distribution's DomainName is CloudFront's own name for it, d<13 characters>.cloudfront.net.
    if (resource.Type === 'AWS::CloudFront::Distribution' && attribute === 'DomainName') return DISTRIBUTION_DOMAIN;
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
function deployedFunctions(context: Record<string, unknown>, region?: string) {
  // The edge needs the region at synth: built as the CDK CLI would there (the stack's, REGION's, Refs then resolved).
  const { stack } = region === undefined ? buildApp(new App({ context: { ...BASE_CONTEXT, ...context } })) : buildIn(region, context);
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  const resolve = resolver(resources, stack.stackName);
  return (
    Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      // CDK's own reader of the us-east-1 firewall stack's web ACL ARN (edge outside us-east-1): no settings of ours.
      .filter(([logicalId]) => !logicalId.startsWith('CustomCrossRegionExportReaderCustomResourceProviderHandler'))
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
      })
  );
}

/** A bundle folder with the console's files in it, as the console function's build hook leaves them (an empty build). */
let bundleFolder: string | undefined;
function taskRoot(): string {
  if (bundleFolder === undefined) {
    bundleFolder = mkdtempSync(join(tmpdir(), 'task-root-'));
    const consoleFolder = join(bundleFolder, CONSOLE_ASSETS_FOLDER);
    mkdirSync(consoleFolder);
    writeFileSync(
      join(consoleFolder, MANIFEST_FILE),
      JSON.stringify({ indexHtml: INDEX_FILE, workerPath: '/console/assets/w.js', files: [] }),
    );
    writeFileSync(join(consoleFolder, INDEX_FILE), '<!doctype html>');
  }
  return bundleFolder;
}

/**
 * What the entry point does with its environment at cold start: its wiring functions, called as Lambda's init
 * would, with the function's environment (and Lambda's own variables) as the whole of process.env, restored after.
 */
function coldStart(logicalId: string, entrypoint: string, environment: Record<string, string>): void {
  const saved = process.env;
  process.env = {
    ...environment,
    AWS_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: `function-${logicalId}`,
    // Where Lambda unpacks the bundle: the console function reads the files its build hook left there.
    LAMBDA_TASK_ROOT: taskRoot(),
  };
  try {
    for (const { wiring } of wiringsOf(entrypoint)) wiring();
  } finally {
    process.env = saved;
  }
}

describe('every function loads the environment the stack gives it, as CloudFormation resolves it', () => {
  it('knows every entry point and the settings each loads', () => {
    const entrypoints = readdirSync(ENTRYPOINTS).map((file) => file.replace(/\.m?ts$/, ''));
    // Every entry point, exactly: a new one, or one whose settings come from elsewhere, is added here knowingly.
    expect(Object.fromEntries(entrypoints.map((entrypoint) => [entrypoint, componentOf(entrypoint) ?? 'none']))).toEqual({
      'admin-list-keys': 'management',
      'admin-revoke-keys': 'management',
      'auth0-webhook': 'management',
      authorizer: 'authorizer',
      console: 'console',
      'create-key': 'management',
      'expiry-notices': 'events',
      'get-key': 'management',
      health: 'none',
      jwks: 'assertion',
      // Its one setting, KEY_HEADER, is read by lambdas/runtime/openapi-wiring.ts itself.
      openapi: 'openapi',
      'lifecycle-events': 'events',
      'list-key-events': 'management',
      'list-keys': 'management',
      'owner-events': 'management',
      'revoke-key': 'management',
      'rotate-key': 'management',
      'rotate-signing-key': 'assertion',
      'secret-scanning': 'management',
      token: 'token',
      'update-key': 'management',
      whoami: 'assertion',
    });
    // And the wiring each calls at cold start, which the cases below run.
    expect(Object.fromEntries(entrypoints.map((entrypoint) => [entrypoint, wiringsOf(entrypoint).map(({ name }) => name)]))).toEqual({
      'admin-list-keys': ['lambdaAdminDependencies'],
      'admin-revoke-keys': ['lambdaAdminDependencies'],
      'auth0-webhook': ['lambdaWebhookDependencies'],
      authorizer: ['lambdaAuthorizer'],
      console: ['lambdaConsoleDependencies'],
      'create-key': ['lambdaManagementDependencies'],
      'expiry-notices': ['lambdaExpiryNoticesDependencies'],
      'get-key': ['lambdaManagementDependencies'],
      health: [],
      jwks: ['lambdaJwksDependencies'],
      openapi: ['lambdaOpenApiDocument'],
      'lifecycle-events': ['lambdaLifecycleEventsDependencies'],
      'list-key-events': ['lambdaManagementDependencies'],
      'list-keys': ['lambdaManagementDependencies'],
      'owner-events': ['lambdaOwnerEventDependencies'],
      'revoke-key': ['lambdaManagementDependencies'],
      'rotate-key': ['lambdaManagementDependencies'],
      'rotate-signing-key': ['lambdaKeyRotation'],
      'secret-scanning': ['lambdaSecretScanningDependencies'],
      token: ['lambdaTokenDependencies'],
      'update-key': ['lambdaManagementDependencies'],
      whoami: ['lambdaWhoamiDependencies'],
    });
  });

  beforeEach(() => {
    // The management wiring fetches Auth0's JWKS at once (hydrate); here it fetches nothing.
    jest.spyOn(AccessTokenVerifier.prototype, 'hydrate').mockResolvedValue(undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, Record<string, unknown>, string | undefined, string | undefined]>([
    ['the default stack', {}, undefined, `https://${API_ID}.execute-api.${REGION}.amazonaws.com`],
    ['backendUrl', { backendUrl: 'https://internal.example.com/base' }, undefined, undefined],
    ['backendFunctionArn', { backendFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:orders` }, undefined, undefined],
    ['keyHeader x-api-key', { keyHeader: 'x-api-key' }, undefined, undefined],
    // The owner-events function and the webhook's (which refuses to start without its secret's ARN).
    [
      'the Auth0 event sources and the webhook',
      { auth0EventSourceNames: 'aws.partner/auth0.com/tenant-1234/auth0.logs', auth0EventsWebhook: 'true', adminScope: 'keys:admin' },
      undefined,
      undefined,
    ],
    // The edge: execute-api off, the issuer the distribution's own name (its DomainName, resolved at deploy).
    ['edge', edgeContext(REGION), REGION, `https://${DISTRIBUTION_DOMAIN}`],
    ['edge with its custom domain', { ...edgeContext(REGION), ...FULL_EDGE }, REGION, `https://${FULL_EDGE.edgeDomainName}`],
  ])('%s: no function fails its cold start on a setting', (_name, context, region, issuer) => {
    const functions = deployedFunctions(context, region);
    expect(functions.map((fn) => fn.entrypoint)).toEqual(
      expect.arrayContaining([
        'authorizer',
        'jwks',
        'rotate-signing-key',
        'create-key',
        'token',
        ...(context.auth0EventSourceNames !== undefined ? ['owner-events'] : []),
        ...(context.auth0EventsWebhook !== undefined ? ['auth0-webhook'] : []),
      ]),
    );
    if (issuer !== undefined) {
      const issuers = functions.flatMap(({ environment }) => environment.ASSERTION_ISSUER ?? []);
      expect(issuers.length).toBeGreaterThan(0);
      expect(new Set(issuers)).toEqual(new Set([issuer]));
    }
    const failures = functions.flatMap(({ logicalId, entrypoint, environment }) => {
      try {
        coldStart(logicalId, entrypoint, environment);
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
        Cdn: { Type: 'AWS::CloudFront::Distribution', Properties: {} },
      },
      'Stack',
    );
    expect(resolve({ Ref: 'Param' })).toBe('CFN-Param-gT1RvW4qS9zK');
    expect(resolve({ Ref: 'Named' })).toBe('/Stack/assertion-jwks');
    expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm']] })).toBe('arn:aws:ssm');
    expect(resolve({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Cdn', 'DomainName'] }]] })).toBe(`https://${DISTRIBUTION_DOMAIN}`);
    expect(() => resolve({ Ref: 'Queue' })).toThrow(/AWS::SQS::Queue/);
    expect(() => resolve({ 'Fn::Sub': '${AWS::Region}' })).toThrow(/cannot resolve/);
  });
});
