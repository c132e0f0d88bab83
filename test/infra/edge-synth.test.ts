import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveEdgeConfig } from '../../lib/edge-config';
import { acknowledgeEdgeNagFindings } from '../../lib/edge-nag-acknowledgements';
import { acknowledgeNagFindings } from '../../lib/nag-acknowledgements';
import { UserApiKeysStack } from '../../lib/user-api-keys-stack';
import { ACCOUNT, buildIn, certificate, edgeContext, FULL_EDGE } from './edge-support';
import { BASE_CONTEXT } from './synth-context';

/** `cdk synth` with the edge on: the whole app, cdk-nag included, as bin/app.ts runs it (bundling skipped). */
describe.each(['us-east-1', 'eu-west-1'])('synthesizing with edge=true in %s', (region) => {
  it.each([
    ['on the *.cloudfront.net name', {}],
    ['with a custom domain and origin mutual TLS', FULL_EDGE],
  ])('passes cdk-nag %s', (_, extra) => {
    const { app, stack, edgeFirewallStack } = buildIn(region, { ...edgeContext(region), ...extra });
    const assembly = app.synth();
    const names = assembly.stacks.map((s) => s.stackName).sort();
    expect(names).toEqual(region === 'us-east-1' ? ['UserApiKeys'] : ['UserApiKeys', 'UserApiKeys-EdgeFirewall']);
    expect(assembly.getStackByName(stack.stackName).environment.region).toBe(region);
    if (edgeFirewallStack !== undefined) expect(assembly.getStackByName(edgeFirewallStack.stackName).environment.region).toBe('us-east-1');
  });
});

describe('the edge acknowledgements', () => {
  /** The app as buildApp makes it in us-east-1, with or without the edge's acknowledgements. */
  function synthesize(acknowledgeEdge: boolean, extra: Record<string, string> = {}) {
    const app = new App({ context: BASE_CONTEXT });
    const config = resolveEdgeConfig({
      edge: true,
      edgeOriginDomainName: 'origin.api.example.com',
      edgeOriginCertificateArn: certificate('us-east-1'),
      ...extra,
    } as never)!;
    const stack = new UserApiKeysStack(app, 'UserApiKeys', {
      keys: { auth0Domain: 'example.eu.auth0.com', auth0Audience: 'https://api.example.com' },
      env: { account: ACCOUNT, region: 'us-east-1' },
      edge: { config, logRetentionDays: 30 },
    });
    acknowledgeNagFindings(stack.keys);
    if (acknowledgeEdge) acknowledgeEdgeNagFindings(stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return () => app.synth();
  }

  const failureOf = (synth: () => unknown): string => {
    try {
      synth();
    } catch (error) {
      return String(error);
    }
    return '';
  };

  it('are what the distribution needs: without them cdk-nag stops the synth on geo restriction, logging and TLS', () => {
    const message = failureOf(synthesize(false));
    for (const id of ['AwsSolutions-CFR1', 'AwsSolutions-CFR3', 'AwsSolutions-CFR4']) expect(message).toContain(id);
    expect(failureOf(synthesize(true))).toBe('');
  });

  it('need no TLS one once a custom domain lets the distribution require TLS 1.2', () => {
    const withDomain = { edgeDomainName: FULL_EDGE.edgeDomainName, edgeCertificateArn: FULL_EDGE.edgeCertificateArn };
    const message = failureOf(synthesize(false, withDomain));
    expect(message).toContain('AwsSolutions-CFR1');
    expect(message).not.toContain('AwsSolutions-CFR4');
    expect(failureOf(synthesize(true, withDomain))).toBe('');
  });
});
