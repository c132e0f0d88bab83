import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { BASE_CONTEXT, type Resource } from './synth-context';

/** Shared by the edge tests: the app `cdk deploy` builds, with the edge on, in a region of the test's choosing. */

export const ACCOUNT = '123456789012';
export const certificate = (region: string, id = '11111111-2222-3333-4444-555555555555') =>
  `arn:aws:acm:${region}:${ACCOUNT}:certificate/${id}`;

export const edgeContext = (region: string): Record<string, unknown> => ({
  edge: 'true',
  edgeOriginDomainName: 'origin.api.example.com',
  edgeOriginCertificateArn: certificate(region),
});

/** The viewer domain and origin mutual TLS on top of edgeContext. */
export const FULL_EDGE = {
  edgeDomainName: 'api.example.com',
  edgeCertificateArn: certificate('us-east-1', '66666666-2222-3333-4444-555555555555'),
  edgeOriginClientCertificateArn: certificate('us-east-1', '77777777-2222-3333-4444-555555555555'),
  edgeOriginTruststoreUri: 's3://example-truststore/cloudfront/ca.pem',
};

/** Builds the app as the CDK CLI would in `region` (it sets CDK_DEFAULT_*), restoring the environment after. */
export function buildIn(region: string | undefined, context: Record<string, unknown>) {
  const saved = { ...process.env };
  if (region === undefined) delete process.env.CDK_DEFAULT_REGION;
  else process.env.CDK_DEFAULT_REGION = region;
  process.env.CDK_DEFAULT_ACCOUNT = ACCOUNT;
  try {
    return buildApp(new App({ context: { ...BASE_CONTEXT, ...context } }));
  } finally {
    process.env = saved;
  }
}

export function templatesIn(region: string, context: Record<string, unknown> = {}) {
  const built = buildIn(region, { ...edgeContext(region), ...context });
  const api = Template.fromStack(built.stack);
  const firewall = built.edgeFirewallStack !== undefined ? Template.fromStack(built.edgeFirewallStack) : api;
  return { ...built, api, firewall };
}

export function only(template: Template, type: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(found).toHaveLength(1);
  return found[0]!;
}
