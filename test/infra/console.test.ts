import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ConsoleAssets } from '../../lambdas/console/console-assets';
import { createConsoleHandler } from '../../lambdas/handlers/console';
import { consoleSettingsFrom } from '../../lambdas/runtime/console-wiring';
import { environmentReader, loadSettings } from '../../lambdas/settings/load';
import { buildApp } from '../../lib/app';
import proxyEventFixture from '../fixtures/proxy-event.json';
import { BASE_CONTEXT, type Resource, type Resources } from './synth-context';

// The stack `cdk deploy` builds; cdk-nag's verdict on it (the console routes' acknowledgement included) is stack.test.ts's.
jest.mock('cdk-nag', () => ({
  AwsSolutionsChecks: class {
    readonly name = 'cdk-nag (checked in stack.test.ts)';
    validate = () => ({ success: true, violations: [] });
  },
}));

const CONSOLE_SERVICE = 'user-api-keys-console';

function synth(context: Record<string, unknown> = {}) {
  const { stack } = buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  const json = Template.fromStack(stack).toJSON();
  return { resources: json.Resources as Resources, outputs: json.Outputs as Record<string, { Value: unknown }> };
}

const ofType = (resources: Resources, type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const consoleFunction = (resources: Resources): [string, Resource] => {
  const found = ofType(resources, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === CONSOLE_SERVICE,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** The console function's answer to GET /console under the environment the stack gives it (Refs left out: it has none). */
async function pageHeadersUnder(variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const env = Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const assets: ConsoleAssets = { files: new Map(), indexHtml: '<!doctype html>', workerPath: '/console/assets/w.js' };
  const handler = createConsoleHandler({
    assets: () => Promise.resolve(assets),
    settings: consoleSettingsFrom(loadSettings('console', environmentReader(env))),
  });
  const event = { ...structuredClone(proxyEventFixture), rawPath: '/console' } as never;
  return (await handler(event)).headers ?? {};
}

describe('the console in the stack', () => {
  it('routes GET /console and GET /console/{proxy+}, public, to one function through one integration', () => {
    const { resources } = synth();
    const [fnId] = consoleFunction(resources);
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route').filter(([, route]) =>
      String(route.Properties.RouteKey).startsWith('GET /console'),
    );
    expect(routes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual(['GET /console', 'GET /console/{proxy+}']);
    for (const [, route] of routes) expect(route.Properties.AuthorizationType).toBe('NONE');
    const targets = new Set(routes.map(([, route]) => JSON.stringify(route.Properties.Target)));
    expect(targets.size).toBe(1);
    const integrations = ofType(resources, 'AWS::ApiGatewayV2::Integration').filter(([, integration]) =>
      JSON.stringify(integration.Properties.IntegrationUri).includes(fnId),
    );
    expect(integrations).toHaveLength(1);
  });

  it('gives its function no table, no secret, no key: only its own logs', () => {
    const { resources } = synth();
    const [, fn] = consoleFunction(resources);
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => !action.startsWith('logs:'))).toEqual([]);
    expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('TABLE_NAME');
  });

  it('sends, deployed, a policy that names the real Auth0 domain, and the client id once consoleClientId is set', async () => {
    const { resources } = synth({ consoleClientId: 'AbCdEf0123456789AbCdEf0123456789' });
    const variables = consoleFunction(resources)[1].Properties.Environment.Variables;
    expect(variables).toMatchObject({ AUTH0_DOMAIN: 'example.eu.auth0.com', CONSOLE_CLIENT_ID: 'AbCdEf0123456789AbCdEf0123456789' });
    const headers = await pageHeadersUnder(variables);
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' https://example.eu.auth0.com;");
    expect(csp).toContain('frame-src https://example.eu.auth0.com;');
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
  });

  it('deploys without a client id (the first deploy): the page then says it is not configured', () => {
    const { resources } = synth();
    expect(Object.keys(consoleFunction(resources)[1].Properties.Environment.Variables)).not.toContain('CONSOLE_CLIENT_ID');
  });

  it("outputs the console's URL and the Auth0 application settings it needs", () => {
    const { resources, outputs } = synth();
    const [apiId] = ofType(resources, 'AWS::ApiGatewayV2::Api')[0]!;
    const endpoint = { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] };
    expect(outputs.ConsoleUrl?.Value).toEqual({ 'Fn::Join': ['', [endpoint, '/console']] });
    const settings = JSON.stringify(outputs.ConsoleAuth0Settings?.Value);
    expect(settings).toContain('Allowed Callback URLs');
    expect(settings).toContain('Allowed Logout URLs');
    expect(settings).toContain('Allowed Web Origins');
  });

  it('refuses a client id that is not one, naming the setting', () => {
    expect(() => synth({ consoleClientId: 'has space' })).toThrow(/consoleClientId/);
  });
});
