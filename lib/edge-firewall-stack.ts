import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EdgeFirewall, type EdgeFirewallProps } from './edge-firewall';

export interface EdgeFirewallStackProps extends Omit<StackProps, 'env'> {
  readonly account?: string | undefined;
  readonly firewall: EdgeFirewallProps;
}

/**
 * The web ACL alone, in us-east-1 (where CloudFront's web ACLs must be), for
 * an API stack deployed elsewhere: lib/app.ts adds it when the stack's region
 * is not us-east-1, and the API stack reads its ARN through a cross-region
 * reference (CDK writes it to SSM Parameter Store in the API's region).
 */
export class EdgeFirewallStack extends Stack {
  readonly firewall: EdgeFirewall;

  constructor(scope: Construct, id: string, props: EdgeFirewallStackProps) {
    const { account, firewall, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      env: { ...(account !== undefined ? { account } : {}), region: 'us-east-1' },
      crossRegionReferences: true,
    });
    this.firewall = new EdgeFirewall(this, 'EdgeFirewall', firewall);
  }
}
