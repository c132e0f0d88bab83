import { Token, type App } from 'aws-cdk-lib';
import { ConfigError } from '../lambdas/settings/config-error';
import { resolveEdgeConfig, type EdgeSettings } from './edge-config';
import { EdgeFirewallStack } from './edge-firewall-stack';
import type { UserApiKeysStackProps } from './user-api-keys-stack';

/** The suffix of the web ACL's stack, and the longest stack name CloudFormation takes (a stack name is at most 128 characters). */
export const FIREWALL_STACK_SUFFIX = '-EdgeFirewall';
const STACK_NAME_LIMIT = 128;

interface Env {
  readonly account?: string;
  readonly region?: string;
}

/**
 * Where the edge's parts go, by the API stack's region: in us-east-1 the web
 * ACL sits in the API stack itself; anywhere else in a small stack of its own
 * in us-east-1 (`<stackName>-EdgeFirewall`), which `cdk deploy --all` deploys
 * first, the API stack reading its ARN through a cross-region reference
 * (which needs both regions known at synth). `keyHeader` (a setting, plain
 * text at synth) reaches the web ACL wherever it is, so its logs and sampled
 * requests hide the key header too.
 */
export function edgeStackProps(
  app: App,
  stackName: string,
  env: Env,
  settings: EdgeSettings,
  logRetentionDays: number,
  keyHeader: string,
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
  const firewallStackName = `${stackName}${FIREWALL_STACK_SUFFIX}`;
  if (firewallStackName.length > STACK_NAME_LIMIT) {
    throw new ConfigError('stackName', {
      detail:
        `at most ${STACK_NAME_LIMIT - FIREWALL_STACK_SUFFIX.length} characters with edge=true outside us-east-1, got ${stackName.length}: ` +
        `the web ACL's stack ${stackName}${FIREWALL_STACK_SUFFIX} must fit CloudFormation's ${STACK_NAME_LIMIT}`,
    });
  }
  const firewallStack = new EdgeFirewallStack(app, firewallStackName, {
    account: env.account,
    description: `The AWS WAF web ACL of ${stackName}'s CloudFront distribution (CloudFront web ACLs live in us-east-1)`,
    firewall: { rateLimit: config.rateLimit, keyCreationRateLimit: config.keyCreationRateLimit, logRetentionDays, keyHeader },
  });
  return {
    props: { edge: { config, logRetentionDays, webAclArn: firewallStack.firewall.webAcl.attrArn }, crossRegionReferences: true },
    firewallStack,
  };
}
