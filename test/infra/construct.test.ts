import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { UserApiKeys } from '../../lib/user-api-keys';
import { ConfigError } from '../../lambdas/settings/config-error';
import { environmentReader, loadSettings } from '../../lambdas/settings/load';
import { settingNames, specOf } from '../../lambdas/settings/schema';
import recordedResources from './fixtures/default-stack-resources.json';
import { EXAMPLE_AUTH0 as AUTH0, NO_BUNDLING } from './synth-context';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

function resourcesOf(stack: Stack): Resources {
  return Template.fromStack(stack).toJSON().Resources as Resources;
}

const variablesOf = (resources: Resources, description: string): Record<string, string> =>
  Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description === description)!.Properties
    .Environment.Variables;

describe('UserApiKeys without the settings loader', () => {
  it('builds the whole system from the two Auth0 props, the schema giving every other default', () => {
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Own');
    const keys = new UserApiKeys(stack, 'Keys', AUTH0);
    const resources = resourcesOf(stack);
    // Sixteen functions for the routes (the admin ones, the console, GitHub's alerts and the OpenAPI document included), plus
    // the authorizer, the signing-key rotation and the lifecycle events' two.
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(20);
    // The Auth0 event settings are off by default: no bus, rule, queue, webhook or its secret.
    expect(keys.ownerEvents).toBeUndefined();
    expect(keys.auth0Webhook).toBeUndefined();
    expect(keys.functions.createKey).toBeDefined();
    expect(variablesOf(resources, 'POST /keys')).toMatchObject({
      KEY_PREFIX: 'uak',
      MAX_KEYS_PER_USER: '20',
      ALLOW_MACHINE_TOKENS: 'false',
    });
  });

  it('holds props to the same rules as the settings, naming the prop', () => {
    const build = (props: Record<string, unknown>) => () =>
      new UserApiKeys(new Stack(new App({ context: NO_BUNDLING }), 'Own'), 'Keys', { ...AUTH0, ...props });
    expect(build({ maxKeysPerUser: 5000 })).toThrow(
      new ConfigError('maxKeysPerUser', { rule: 'a whole number from 1 to 1000', got: '5000' }),
    );
    expect(build({ keyPrefix: 'Bad' })).toThrow(/^keyPrefix must be 2-10 lowercase letters or digits, got "Bad"$/);
    expect(build({ auth0Domain: 'not a domain' })).toThrow(/^auth0Domain must be a host name/);
    expect(build({ defaultKeyLifetimeDays: 40, maxKeyLifetimeDays: 30 })).toThrow(
      /^defaultKeyLifetimeDays must be a whole number from 1 to 30, got "40"$/,
    );
    expect(build({ routeScopes: new Map([['GET /keys', 'read']]) })).toThrow(/^routeScopes: "GET \/keys" is a key-management route/);
    expect(build({ auth0Audience: undefined })).toThrow(/^auth0Audience must be set$/);
    expect(build({ maxKeyPerUser: 5 })).toThrow(/^maxKeyPerUser: no such setting/);
    expect(build({ allowedKeyScopes: ['write', ''] })).toThrow(/^allowedKeyScopes: must be comma-separated scopes/);
    expect(build({ routeScopes: 5 })).toThrow(/^routeScopes: must be a JSON object such as/);
    // A Map, an object or the JSON text itself.
    for (const routeScopes of [new Map([['GET /whoami', 'read']]), { 'GET /whoami': 'read' }, '{"GET /whoami":"read"}']) {
      expect(build({ routeScopes })).not.toThrow();
    }
  });
});

describe('the default stack', () => {
  it('keeps every logical ID and type it had before the construct was split (no resource is replaced on upgrade)', () => {
    // Recorded from the stack as deployed before KeyTable/KeyApi/KeyAlarms existed; renaming a construct breaks this.
    // New resources may join; none recorded may go or change type (CloudFormation would replace it).
    const { stack } = buildApp(new App({ context: { ...AUTH0, ...NO_BUNDLING } }));
    const now = Object.fromEntries(Object.entries(resourcesOf(stack)).map(([id, r]) => [id, r.Type]));
    const kept = Object.fromEntries(Object.keys(recordedResources).map((id) => [id, now[id]]));
    expect(kept).toEqual(recordedResources);
  });

  it('gives each function exactly the settings the schema says its component reads, which its loader reads back', () => {
    const context = {
      ...AUTH0,
      ...NO_BUNDLING,
      keyPrefix: 'acme',
      maxKeysPerUser: '7',
      maxKeyLifetimeDays: '30',
      routeScopes: '{"GET /whoami":"read"}',
      allowedKeyScopes: 'write',
      requiredScope: 'keys:manage',
      allowMachineTokens: '1',
      authorizerCacheTtlSeconds: '20',
      tableUpgradeStep: 'add-stream',
      adminScope: 'keys:admin',
      keyScopesFromToken: 'true',
      ownerKeyCreationRate: '12',
      ownerKeyCreationBurst: '6',
      revokedRetentionDays: '14',
      auth0EventsWebhook: 'true',
      githubSecretScanningKeysUrl: 'https://keys.example.com/meta/public_keys/secret_scanning',
      eventBusName: 'key-events',
      expiryNoticeDays: '3',
    };
    const resources = resourcesOf(buildApp(new App({ context })).stack);
    // NODE_OPTIONS only with the sourceMaps setting on (lib/bundling.ts).
    const house = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME'];
    const schemaVariables = (component: 'authorizer' | 'management' | 'events') =>
      settingNames.map(specOf).flatMap((spec) => (spec.usedBy.includes(component) && spec.env !== undefined ? [spec.env] : []));
    const withTableName = (variables: Record<string, string>) => ({ ...variables, TABLE_NAME: 'ApiKeysTable' });

    const authorizer = variablesOf(resources, 'API key authorizer');
    expect(Object.keys(authorizer).sort()).toEqual([...house, ...schemaVariables('authorizer')].sort());
    // The secret's ARN and the API's URL are CloudFormation references until deploy: stand-ins here.
    const deployed = {
      ...authorizer,
      ASSERTION_ISSUER: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      ASSERTION_AUDIENCE: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      ASSERTION_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-AbCdEf',
    };
    expect(loadSettings('authorizer', environmentReader(withTableName(deployed)))).toMatchObject({
      // Both caches' shares (10 s each) and the 60 s margin.
      assertionLifetimeSeconds: 80,
      keyHeader: 'authorization',
      keyPrefix: 'acme',
      maxKeysPerUser: 7,
      defaultKeyLifetimeDays: 30,
      routeScopes: new Map([['GET /whoami', 'read']]),
      allowedKeyScopes: ['write'],
      verdictCacheTtlSeconds: 10,
    });

    const management = variablesOf(resources, 'POST /keys');
    // Every management setting is set here, so each has its variable; the webhook token's secret is the webhook's alone.
    const webhookOnly = ['AUTH0_WEBHOOK_SECRET_ARN'];
    expect(Object.keys(management).sort()).toEqual(
      [...house, ...schemaVariables('management').filter((name) => !webhookOnly.includes(name))].sort(),
    );
    const webhook = variablesOf(resources, 'POST /auth0/events (an Auth0 Event Stream webhook)');
    expect(Object.keys(webhook).sort()).toEqual([...house, ...schemaVariables('management')].sort());
    expect(webhook).toMatchObject({ ...management, POWERTOOLS_SERVICE_NAME: 'user-api-keys-auth0-webhook' });
    expect(loadSettings('management', environmentReader(withTableName(management)))).toMatchObject({
      auth0Domain: 'example.eu.auth0.com',
      requiredScope: 'keys:manage',
      allowMachineTokens: true,
      maxKeyLifetimeDays: 30,
      tableUpgradeStep: 'add-stream',
      githubSecretScanningKeysUrl: 'https://keys.example.com/meta/public_keys/secret_scanning',
    });
    expect(variablesOf(resources, 'POST /secret-scanning/github (GitHub secret scanning alerts: revoke leaked keys)')).toEqual({
      ...management,
      POWERTOOLS_SERVICE_NAME: 'user-api-keys-secret-scanning',
    });

    // The lifecycle events' two functions read the `events` settings, and those alone.
    for (const description of [
      'Key changes from the table stream to EventBridge',
      'Daily: a Key expiring event for each active key that expires soon',
    ]) {
      const events = variablesOf(resources, description);
      expect(Object.keys(events).sort()).toEqual([...house, ...schemaVariables('events')].sort());
      expect(loadSettings('events', environmentReader(withTableName(events)))).toMatchObject({
        eventBusName: 'key-events',
        expiryNoticeDays: 3,
        tableUpgradeStep: 'add-stream',
      });
    }
  });
});
