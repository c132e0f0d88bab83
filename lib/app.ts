import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { edgeStackProps } from './edge-app';
import { splitEdgeSettings } from './edge-config';
import type { EdgeFirewallStack } from './edge-firewall-stack';
import { acknowledgeEdgeNagFindings } from './edge-nag-acknowledgements';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { loadStackConfig } from './stack-config';
import { UserApiKeysStack } from './user-api-keys-stack';

/** Builds the app `cdk deploy` runs: settings from context, then the environment; cdk-nag on every synth. */
export function buildApp(app: App = new App()): { app: App; stack: UserApiKeysStack; edgeFirewallStack?: EdgeFirewallStack } {
  const { stackName, ...settings } = loadStackConfig((contextName, envName) => {
    const fromContext: unknown = app.node.tryGetContext(contextName);
    return fromContext !== undefined ? fromContext : envName === undefined ? undefined : process.env[envName];
  });
  const { edge, rest: keys } = splitEdgeSettings(settings);
  const env = deploymentEnvironment();
  const { props: edgeProps, firewallStack } = edgeStackProps(app, stackName, env, edge, keys.logRetentionDays, keys.keyHeader);
  const stack = new UserApiKeysStack(app, stackName, {
    keys,
    description: 'User-scoped API keys for an Auth0-protected API',
    env,
    ...edgeProps,
  });
  acknowledgeNagFindings(stack.keys);
  acknowledgeEdgeNagFindings(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, ...(firewallStack !== undefined ? { edgeFirewallStack: firewallStack } : {}) };
}

/** The account and region the CDK CLI resolved (from the AWS profile), where it did. */
function deploymentEnvironment(): { account?: string; region?: string } {
  const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = process.env;
  return { ...(account !== undefined ? { account } : {}), ...(region !== undefined ? { region } : {}) };
}
