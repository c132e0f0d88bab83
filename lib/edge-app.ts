import { Token, type App } from 'aws-cdk-lib';
import { ConfigError } from '../lambdas/settings/config-error';
import { resolveEdgeConfig, type EdgeSettings } from './edge-config';
import { EdgeFirewallStack } from './edge-firewall-stack';
import type { UserApiKeysStackProps } from './user-api-keys-stack';

interface Env {
  readonly account?: string;
  readonly region?: string;
}

/**
 * Where the edge's parts go, by the API stack's region: in us-east-1 the web
 * ACL sits in the API stack itself; anywhere else in a small stack of its own
 * in us-east-1 (`<stackName>-EdgeFirewall`), which `cdk deploy --all` deploys
 * first, the API stack reading its ARN through a cross-region reference
 * (which needs both regions known at synth).
 */
export function edgeStackProps(
  app: App,
  stackName: string,
  env: Env,
  settings: EdgeSettings,
  logRetentionDays: number,
): { props: Pick<UserApiKeysStackProps, 'edge' | 'crossRegionReferences'>; firewallStack?: EdgeFirewallStack } {
  const config = resolveEdgeConfig(settings);
  if (config === undefined) return { props: {} };
  const region = env.region;
  if (region === undefined || Token.isUnresolved(region)) {
    throw new ConfigError('edge', {
      detail: 'needs the region at synth: run cdk with a region configured (AWS_REGION, or a profile), which sets CDK_DEFAULT_REGION',
    });
  }
  if (region === 'us-east-1') return { props: { edge: { config, logRetentionDays } } };
  const firewallStack = new EdgeFirewallStack(app, `${stackName}-EdgeFirewall`, {
    account: env.account,
    description: `The AWS WAF web ACL of ${stackName}'s CloudFront distribution (CloudFront web ACLs live in us-east-1)`,
    firewall: { rateLimit: config.rateLimit, keyCreationRateLimit: config.keyCreationRateLimit, logRetentionDays },
  });
  return {
    props: { edge: { config, logRetentionDays, webAclArn: firewallStack.firewall.webAcl.attrArn }, crossRegionReferences: true },
    firewallStack,
  };
}
