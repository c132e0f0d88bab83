import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { loadStackConfig } from './stack-config';
import { UserApiKeysStack } from './user-api-keys-stack';

/** Builds the app `cdk deploy` runs: settings from context, then the environment; cdk-nag on every synth. */
export function buildApp(app: App = new App()): { app: App; stack: UserApiKeysStack } {
  const { stackName, ...keys } = loadStackConfig((contextName, envName) => {
    const fromContext: unknown = app.node.tryGetContext(contextName);
    return fromContext !== undefined ? fromContext : envName === undefined ? undefined : process.env[envName];
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
