import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { loadStackConfig } from './stack-config';
import { UserApiKeysStack } from './user-api-keys-stack';

/** Builds the app `cdk deploy` runs: settings from context, then the environment; cdk-nag on every synth. */
export function buildApp(app: App = new App()): { app: App; stack: UserApiKeysStack } {
  const { stackName, ...keys } = loadStackConfig((contextName, envName) => {
    const fromContext: unknown = app.node.tryGetContext(contextName);
    return fromContext === undefined ? (envName === undefined ? undefined : process.env[envName]) : contextText(fromContext);
  });
  const stack = new UserApiKeysStack(app, stackName, {
    keys,
    description: 'User-scoped API keys for an Auth0-protected API',
    env: deploymentEnvironment(),
  });
  acknowledgeNagFindings(stack.keys);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** The account and region the CDK CLI resolved (from the AWS profile), where it did. */
function deploymentEnvironment(): { account?: string; region?: string } {
  const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = process.env;
  return { ...(account !== undefined ? { account } : {}), ...(region !== undefined ? { region } : {}) };
}

/**
 * `-c name=value` gives text, but cdk.json may hold structure: a list is read
 * as its comma-separated items (`"allowedKeyScopes": ["write", "admin"]`), an
 * object as its JSON (`"routeScopes": {"GET /whoami": "read"}`).
 */
export function contextText(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => contextText(item)).join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
