import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ROUTES, type RouteDefinition } from '../../lambdas/api-definition';
import { ConfigError } from '../../lambdas/settings/config-error';
import { EDGE_DEFAULTS } from '../../lambdas/settings/sections/edge';
import { FIREWALL_STACK_SUFFIX } from '../../lib/edge-app';
import { EDGE_BLOCK_BODIES, EDGE_RULES } from '../../lib/edge-firewall';
import { OPEN_ORIGIN_WARNING } from '../../lib/key-edge';
import { pathPattern, strictRoutesStatement } from '../../lib/edge-paths';
import recordedResources from './fixtures/default-stack-resources.json';
import { buildIn, certificate, edgeContext, FULL_EDGE, only, templatesIn } from './edge-support';
import type { Resource } from './synth-context';
import { Template } from 'aws-cdk-lib/assertions';

// CloudFront's managed policies, by ID (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html,
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/** Just enough of WAF's statement semantics to ask which requests a scope-down statement matches. */
function matches(statement: any, request: { method: string; path: string; labels?: string[] }): boolean {
  if (statement.LabelMatchStatement) {
    const { Scope, Key } = statement.LabelMatchStatement;
    const labels = request.labels ?? [];
    expect(['LABEL', 'NAMESPACE']).toContain(Scope);
    return Scope === 'LABEL' ? labels.includes(Key) : labels.some((label) => label.startsWith(Key));
  }
  if (statement.AndStatement) return statement.AndStatement.Statements.every((s: any) => matches(s, request));
  if (statement.OrStatement) return statement.OrStatement.Statements.some((s: any) => matches(s, request));
  if (statement.NotStatement) return !matches(statement.NotStatement.Statement, request);
  if (statement.ByteMatchStatement) {
    const m = statement.ByteMatchStatement;
    expect(m.FieldToMatch).toEqual({ Method: {} });
    expect(m.PositionalConstraint).toBe('EXACTLY');
    return request.method === m.SearchString;
  }
  if (statement.RegexMatchStatement) {
    const m = statement.RegexMatchStatement;
    expect(m.FieldToMatch).toEqual({ UriPath: {} });
    let path = request.path;
    for (const { Type } of [...m.TextTransformations].sort((a: any, b: any) => a.Priority - b.Priority)) {
      if (Type === 'URL_DECODE') path = decodeURIComponent(path);
      else if (Type === 'NORMALIZE_PATH') path = new URL(path.replace(/\/{2,}/g, '/'), 'https://x').pathname;
      else if (Type === 'LOWERCASE') path = path.toLowerCase();
      else throw new Error(`transformation ${Type} not modelled`);
    }
    return new RegExp(m.RegexString).test(path);
  }
  throw new Error(`statement not modelled: ${Object.keys(statement).join()}`);
}

/** CDK's camelCase statement as the template's PascalCase one. */
const pascal = (value: any): any =>
  Array.isArray(value)
    ? value.map(pascal)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), pascal(v)]))
      : value;

const rulesOf = (webAcl: Resource) => webAcl.Properties.Rules as any[];
const rule = (webAcl: Resource, name: string) => rulesOf(webAcl).find((r) => r.Name === name);

describe('edge on, stack in us-east-1 (one stack)', () => {
  const { api, stack, edgeFirewallStack } = templatesIn('us-east-1');
  const [, distribution] = only(api, 'AWS::CloudFront::Distribution');
  const [webAclId, webAcl] = only(api, 'AWS::WAFv2::WebACL');
  const config = distribution.Properties.DistributionConfig;

  it('needs no second stack: the web ACL sits beside the distribution', () => {
    expect(edgeFirewallStack).toBeUndefined();
    expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [webAclId, 'Arn'] });
  });

  it("puts CloudFront in front of the API's custom domain, over TLS 1.2 only", () => {
    const [domainId, domain] = only(api, 'AWS::ApiGatewayV2::DomainName');
    expect(domain.Properties).toMatchObject({
      DomainName: 'origin.api.example.com',
      DomainNameConfigurations: [{ CertificateArn: certificate('us-east-1'), EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
    const [, mapping] = only(api, 'AWS::ApiGatewayV2::ApiMapping');
    expect(mapping.Properties.DomainName).toEqual({ Ref: domainId });
    expect(mapping.Properties.ApiId).toEqual({ Ref: stack.getLogicalId(stack.keys.api.node.defaultChild as never) });
    // Created after the $default stage it names.
    expect(mapping.Properties.Stage).toBe('$default');
    expect(mapping.DependsOn).toContain(stack.getLogicalId(stack.keys.stage.node.defaultChild as never));
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: 'origin.api.example.com',
        CustomOriginConfig: expect.objectContaining({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
      }),
    ]);
    expect(config.Origins[0].CustomOriginConfig.OriginMtlsConfig).toBeUndefined();
  });

  it('caches nothing, forwards every header but Host (Authorization included), refuses plain http', () => {
    expect(config.DefaultCacheBehavior).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    });
    expect(config.CacheBehaviors).toBeUndefined();
  });

  it('turns the execute-api endpoint off, so the custom domain is the only way in', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
  });

  it('outputs the edge URL as ApiUrl, and the two DNS targets', () => {
    const outputs = api.toJSON().Outputs;
    const distributionId = Object.keys(api.findResources('AWS::CloudFront::Distribution'))[0]!;
    expect(outputs.ApiUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] });
    expect(outputs.EdgeOriginTarget.Value).toEqual({
      'Fn::GetAtt': [Object.keys(api.findResources('AWS::ApiGatewayV2::DomainName'))[0], 'RegionalDomainName'],
    });
    expect(outputs.EdgeTarget.Value).toEqual({ 'Fn::GetAtt': [distributionId, 'DomainName'] });
  });

  it('gives the assertion the edge URL as its issuer, where backends and /whoami find the JWKS (execute-api is off)', () => {
    const distributionId = Object.keys(api.findResources('AWS::CloudFront::Distribution'))[0]!;
    const functions = Object.values(api.findResources('AWS::Lambda::Function')) as Resource[];
    const issuers = functions.flatMap((fn) => {
      const issuer = fn.Properties.Environment?.Variables?.ASSERTION_ISSUER;
      return issuer === undefined ? [] : [issuer];
    });
    expect(issuers.length).toBeGreaterThanOrEqual(2); // the authorizer signs with it, /whoami verifies against it
    for (const issuer of issuers) {
      expect(issuer).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] });
    }
  });

  it('scopes the web ACL to CloudFront, allowing by default', () => {
    expect(webAcl.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('limits every client IP, and more strictly on the throttled routes, answering 429 with JSON', () => {
    const general = rule(webAcl, EDGE_RULES.rate.name);
    expect(general.Statement.RateBasedStatement).toEqual({
      AggregateKeyType: 'IP',
      Limit: EDGE_DEFAULTS.rateLimit,
      EvaluationWindowSec: 300,
    });
    const strict = rule(webAcl, EDGE_RULES.keyCreationRate.name);
    expect(strict.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: EDGE_DEFAULTS.keyCreationRateLimit,
      EvaluationWindowSec: 300,
    });
    for (const r of [general, strict])
      expect(r.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate-limited' } } });
    // Rate limits are counted first, whatever the common rule set would say.
    expect(strict.Priority).toBeLessThan(rule(webAcl, EDGE_RULES.commonRuleSet.name).Priority);
    expect(general.Priority).toBeLessThan(rule(webAcl, EDGE_RULES.commonRuleSet.name).Priority);
  });

  it('scopes the strict limit to the throttled routes of ROUTES, however the path is written', () => {
    const scopeDown = rule(webAcl, EDGE_RULES.keyCreationRate.name).Statement.RateBasedStatement.ScopeDownStatement;
    for (const route of ROUTES) {
      const concrete = route.path.replace(/\{[^}]+\}/g, 'k3yId');
      expect([`${route.method} ${route.path}`, matches(scopeDown, { method: route.method, path: concrete })]).toEqual([
        `${route.method} ${route.path}`,
        route.throttle !== undefined,
      ]);
    }
    for (const path of ['/keys/', '//keys', '/k%65ys', '/KEYS', '/keys/abc/ROTATE', '/x/../keys/abc/rotate'])
      expect([path, matches(scopeDown, { method: 'POST', path })]).toEqual([path, true]);
    for (const [method, path] of [
      ['GET', '/keys'],
      ['POST', '/keys/abc'],
      ['POST', '/keys/abc/events'],
      ['DELETE', '/keys/abc/rotate'],
      ['POST', '/keysx'],
      ['POST', '/keys/a/b/rotate'],
    ] as const)
      expect([method, path, matches(scopeDown, { method, path })]).toEqual([method, path, false]);
  });

  it('covers the token endpoint, and any route added later, by the throttle marker', () => {
    expect(matches(pascal(strictRoutesStatement(ROUTES)), { method: 'POST', path: '/oauth/token' })).toBe(true);
    const withoutTokenThrottle = ROUTES.map((route): RouteDefinition => {
      if (route.path !== '/oauth/token') return route;
      const { throttle: _removed, ...unthrottled } = route;
      return unthrottled;
    });
    expect(matches(pascal(strictRoutesStatement(withoutTokenThrottle)), { method: 'POST', path: '/oauth/token' })).toBe(false);
    const exports: RouteDefinition = {
      method: 'POST',
      path: '/exports',
      auth: 'none',
      function: 'health',
      throttle: { rateLimit: 1, burstLimit: 1 },
    };
    expect(matches(pascal(strictRoutesStatement([...ROUTES, exports])), { method: 'POST', path: '/exports' })).toBe(true);
    // The marker decides, not the method.
    const orders: RouteDefinition = { method: 'POST', path: '/orders', auth: 'apiKey', function: 'whoami' };
    expect(matches(pascal(strictRoutesStatement([...ROUTES, orders])), { method: 'POST', path: '/orders' })).toBe(false);
    expect(pathPattern('/files/{proxy+}')).toBe('^/files/.+/?$');
  });

  it('runs the AWS common rule set, its blocks answered 403 with JSON (its body-size rule left to the API)', () => {
    const crs = rule(webAcl, EDGE_RULES.commonRuleSet.name);
    expect(crs.Statement).toEqual({ ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } });
    expect(crs.OverrideAction).toEqual({ Count: {} });
    const blocker = rule(webAcl, EDGE_RULES.commonRuleSetBlock.name);
    expect(blocker.Priority).toBeGreaterThan(crs.Priority);
    expect(blocker.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 403, CustomResponseBodyKey: 'blocked' } } });
  });

  describe('which common rule set matches it blocks', () => {
    // The labels as the AWS WAF guide lists them ("Core rule set (CRS) managed rule group"), spelt by hand: a
    // label is not its rule's name (NoUserAgent_HEADER labels NoUserAgent_Header), and label matching is exact.
    const crs = (name: string) => `awswaf:managed:aws:core-rule-set:${name}`;
    const NO_USER_AGENT = crs('NoUserAgent_Header');
    const LARGE_BODY = crs('SizeRestrictions_Body');
    const BLOCKING = [
      'BadBots_Header',
      'SizeRestrictions_QueryString',
      'SizeRestrictions_Cookie_Header',
      'SizeRestrictions_URIPath',
      'EC2MetaDataSSRF_Body',
      'EC2MetaDataSSRF_Cookie',
      'EC2MetaDataSSRF_URIPath',
      'EC2MetaDataSSRF_QueryArguments',
      'GenericLFI_QueryArguments',
      'GenericLFI_URIPath',
      'GenericLFI_Body',
      'RestrictedExtensions_URIPath',
      'RestrictedExtensions_QueryArguments',
      'GenericRFI_QueryArguments',
      'GenericRFI_Body',
      'GenericRFI_URIPath',
      'CrossSiteScripting_Cookie',
      'CrossSiteScripting_QueryArguments',
      'CrossSiteScripting_Body',
      'CrossSiteScripting_URIPath',
    ].map(crs);
    const blocks = (labels: string[]) =>
      matches(rule(webAcl, EDGE_RULES.commonRuleSetBlock.name).Statement, { method: 'GET', path: '/whoami', labels });

    it('lets through a request without a User-Agent (scripts, CI jobs, aws-jwt-verify fetching the JWKS) and a large body', () => {
      expect(blocks([NO_USER_AGENT])).toBe(false);
      expect(blocks([LARGE_BODY])).toBe(false);
      expect(blocks([NO_USER_AGENT, LARGE_BODY])).toBe(false);
      expect(blocks([])).toBe(false);
      expect(blocks(['awswaf:managed:aws:other-group:Anything'])).toBe(false);
    });

    it("blocks each of the set's other rules, alone or with the allowed ones (leaving out User-Agent is no way past them)", () => {
      for (const label of BLOCKING) {
        expect([label, blocks([label])]).toEqual([label, true]);
        expect([label, blocks([NO_USER_AGENT, label])]).toEqual([label, true]);
        expect([label, blocks([LARGE_BODY, NO_USER_AGENT, label])]).toEqual([label, true]);
      }
    });

    it('blocks a label of the set it does not know yet (a rule AWS adds later)', () => {
      expect(blocks([crs('SomeRuleAddedLater_Body')])).toBe(true);
    });
  });

  it('answers every block with a JSON body of ours, never an HTML page', () => {
    const bodies = webAcl.Properties.CustomResponseBodies;
    expect(Object.keys(bodies).sort()).toEqual(Object.keys(EDGE_BLOCK_BODIES).sort());
    for (const [key, body] of Object.entries(bodies) as [keyof typeof EDGE_BLOCK_BODIES, any][]) {
      expect(body.ContentType).toBe('APPLICATION_JSON');
      expect(JSON.parse(body.Content)).toEqual(EDGE_BLOCK_BODIES[key]);
    }
    for (const r of rulesOf(webAcl)) {
      if (r.Action?.Block !== undefined) expect(Object.keys(bodies)).toContain(r.Action.Block.CustomResponse.CustomResponseBodyKey);
      else expect(r.Action?.Block ?? r.OverrideAction?.Count ?? r.Action?.Count).toBeDefined();
    }
  });

  it('logs every request to aws-waf-logs-*, Authorization redacted', () => {
    const [, logging] = only(api, 'AWS::WAFv2::LoggingConfiguration');
    expect(logging.Properties.ResourceArn).toEqual({ 'Fn::GetAtt': [webAclId, 'Arn'] });
    expect(logging.Properties.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }]);
    const [destination] = logging.Properties.LogDestinationConfigs;
    const arn = JSON.stringify(destination);
    expect(arn).toContain(':log-group:aws-waf-logs-UserApiKeys');
    expect(arn).not.toContain(':*');
    api.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-UserApiKeys', RetentionInDays: 30 });
  });

  it('hides Authorization from the sampled requests too: web ACL data protection, which covers sampling (redactedFields does not)', () => {
    expect(webAcl.Properties.DataProtectionConfig).toEqual({
      DataProtections: [{ Field: { FieldType: 'SINGLE_HEADER', FieldKeys: ['authorization'] }, Action: 'SUBSTITUTION' }],
    });
  });

  it('warns at synth that the origin domain, without mutual TLS, is a way around the WAF', () => {
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('origin.api.example.com accepts any client.*edgeOriginClientCertificateArn and edgeOriginTruststoreUri'),
    );
    expect(JSON.stringify(Annotations.fromStack(stack).findWarning('*', Match.anyValue()))).toContain(OPEN_ORIGIN_WARNING);
  });

  it('keeps every logical ID of the default stack, with its type', () => {
    const resources = api.toJSON().Resources as Record<string, Resource>;
    for (const [id, type] of Object.entries(recordedResources)) expect([id, resources[id]?.Type]).toEqual([id, type]);
  });
});

describe('edge on with a custom domain and origin mutual TLS', () => {
  const { api, stack } = templatesIn('us-east-1', { ...FULL_EDGE, edgeRateLimit: '500', edgeKeyCreationRateLimit: '10' });
  const [, distribution] = only(api, 'AWS::CloudFront::Distribution');
  const config = distribution.Properties.DistributionConfig;

  it('serves the custom name with its us-east-1 certificate, TLS 1.2 at least', () => {
    expect(config.Aliases).toEqual(['api.example.com']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: FULL_EDGE.edgeCertificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(api.toJSON().Outputs.ApiUrl.Value).toBe('https://api.example.com');
    const authorizer = Object.values(api.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.Description === 'API key authorizer',
    )!;
    expect(authorizer.Properties.Environment.Variables.ASSERTION_ISSUER).toBe('https://api.example.com');
  });

  it('presents the client certificate to the origin, which requires mutual TLS against the truststore', () => {
    expect(config.Origins[0].CustomOriginConfig.OriginMtlsConfig).toEqual({
      ClientCertificateArn: FULL_EDGE.edgeOriginClientCertificateArn,
    });
    api.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      MutualTlsAuthentication: { TruststoreUri: 's3://example-truststore/cloudfront/ca.pem' },
    });
  });

  it('does not warn about an open origin', () => {
    expect(JSON.stringify(Annotations.fromStack(stack).findWarning('*', Match.anyValue()))).not.toContain(OPEN_ORIGIN_WARNING);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('accepts any client'));
  });

  it('takes the rate limits from the settings', () => {
    const [, webAcl] = only(api, 'AWS::WAFv2::WebACL');
    expect(rule(webAcl, EDGE_RULES.rate.name).Statement.RateBasedStatement.Limit).toBe(500);
    expect(rule(webAcl, EDGE_RULES.keyCreationRate.name).Statement.RateBasedStatement.Limit).toBe(10);
  });
});

describe('edge on, stack in eu-west-1 (the web ACL in its own us-east-1 stack)', () => {
  const { api, firewall, stack, edgeFirewallStack } = templatesIn('eu-west-1');

  it('builds the web ACL in us-east-1 and nothing of WAF in the API stack', () => {
    expect(edgeFirewallStack?.region).toBe('us-east-1');
    expect(edgeFirewallStack?.stackName).toBe('UserApiKeys-EdgeFirewall');
    only(firewall, 'AWS::WAFv2::WebACL');
    only(firewall, 'AWS::WAFv2::LoggingConfiguration');
    expect(api.findResources('AWS::WAFv2::WebACL')).toEqual({});
    expect(stack.dependencies).toContain(edgeFirewallStack);
  });

  it('associates it with the distribution by its ARN, read across regions', () => {
    const [, distribution] = only(api, 'AWS::CloudFront::Distribution');
    const webAclId = JSON.stringify(distribution.Properties.DistributionConfig.WebACLId);
    expect(webAclId).toMatch(/ExportsReader/);
    expect(webAclId).toContain('EdgeFirewallWebAcl');
    api.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificate('eu-west-1') })],
    });
  });
});

describe.each([
  ['us-east-1', 'in the API stack'],
  ['eu-west-1', "in us-east-1's firewall stack"],
])('keyHeader=x-api-key, edge on in %s (the web ACL %s)', (region) => {
  const { firewall } = templatesIn(region, { keyHeader: 'x-api-key' });
  const [, webAcl] = only(firewall, 'AWS::WAFv2::WebACL');
  const [, logging] = only(firewall, 'AWS::WAFv2::LoggingConfiguration');

  it('hides the key header as well as Authorization, in the logs and the sampled requests', () => {
    expect(webAcl.Properties.DataProtectionConfig.DataProtections).toEqual([
      { Field: { FieldType: 'SINGLE_HEADER', FieldKeys: ['authorization', 'x-api-key'] }, Action: 'SUBSTITUTION' },
    ]);
    expect(logging.Properties.RedactedFields).toEqual([
      { SingleHeader: { Name: 'authorization' } },
      { SingleHeader: { Name: 'x-api-key' } },
    ]);
  });
});

describe('edge off (the default)', () => {
  const { app, stack } = buildIn('eu-west-1', {});
  const template = Template.fromStack(stack);

  it('creates nothing of the edge, one stack only, the execute-api endpoint on', () => {
    for (const type of [
      'AWS::CloudFront::Distribution',
      'AWS::WAFv2::WebACL',
      'AWS::WAFv2::LoggingConfiguration',
      'AWS::ApiGatewayV2::DomainName',
      'AWS::ApiGatewayV2::ApiMapping',
    ])
      expect([type, template.findResources(type)]).toEqual([type, {}]);
    expect(app.node.children.filter((child) => child.node.id.endsWith('EdgeFirewall'))).toEqual([]);
    const [, httpApi] = only(template, 'AWS::ApiGatewayV2::Api');
    expect(httpApi.Properties.DisableExecuteApiEndpoint).toBeUndefined();
    expect(template.toJSON().Outputs.EdgeTarget).toBeUndefined();
  });
});

describe('bad edge settings stop the synth, naming the setting', () => {
  const failure = (region: string | undefined, context: Record<string, unknown>): ConfigError => {
    try {
      buildIn(region, context);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it.each([
    ['edgeDomainName', { edgeDomainName: 'api.example.com' }],
    ['edgeRateLimit', { edgeRateLimit: '100' }],
    ['edgeOriginDomainName', { edge: 'false', edgeOriginDomainName: 'origin.api.example.com' }],
  ])('%s without edge', (setting, context) => {
    const error = failure('us-east-1', context);
    expect(error.setting).toBe(setting);
    expect(error.message).toContain('only with edge=true');
  });

  it.each([
    ['edgeOriginDomainName', { edgeOriginDomainName: undefined }],
    ['edgeOriginCertificateArn', { edgeOriginCertificateArn: undefined }],
    ['edgeCertificateArn', { edgeDomainName: 'api.example.com' }],
    ['edgeDomainName', { edgeCertificateArn: FULL_EDGE.edgeCertificateArn }],
    ['edgeOriginTruststoreUri', { edgeOriginClientCertificateArn: FULL_EDGE.edgeOriginClientCertificateArn }],
    ['edgeOriginClientCertificateArn', { edgeOriginTruststoreUri: FULL_EDGE.edgeOriginTruststoreUri }],
  ])('edge on and %s missing', (setting, context) => {
    expect(failure('us-east-1', { ...edgeContext('us-east-1'), ...context }).setting).toBe(setting);
  });

  it.each([
    ['edgeCertificateArn', { edgeDomainName: 'api.example.com', edgeCertificateArn: certificate('eu-west-1') }, 'in us-east-1'],
    ['edgeOriginClientCertificateArn', { ...FULL_EDGE, edgeOriginClientCertificateArn: certificate('eu-west-1') }, 'in us-east-1'],
    ['edgeOriginCertificateArn', { edgeOriginCertificateArn: certificate('eu-west-1') }, "stack's region us-east-1"],
    ['edgeOriginCertificateArn', { edgeOriginCertificateArn: 'arn:aws:iam::123456789012:server-certificate/x' }, 'ACM certificate ARN'],
    ['edgeDomainName', { ...FULL_EDGE, edgeDomainName: 'https://api.example.com' }, 'host name'],
    ['edgeDomainName', { ...FULL_EDGE, edgeDomainName: 'origin.api.example.com' }, 'must differ'],
    ['edgeOriginTruststoreUri', { ...FULL_EDGE, edgeOriginTruststoreUri: 'https://bucket/ca.pem' }, 'S3 URI'],
    ['edgeRateLimit', { edgeRateLimit: '9' }, 'from 10 to'],
    ['edgeKeyCreationRateLimit', { edgeRateLimit: '100', edgeKeyCreationRateLimit: '200' }, 'at most edgeRateLimit (100)'],
  ])('%s wrong (%j)', (setting, context, words) => {
    const error = failure('us-east-1', { ...edgeContext('us-east-1'), ...context });
    expect(error.setting).toBe(setting);
    expect(error.message).toContain(words);
  });

  it('a stackName too long for the firewall stack beside it (outside us-east-1) names stackName and the limit', () => {
    const longest = 128 - FIREWALL_STACK_SUFFIX.length;
    const name = (length: number) => `U${'k'.repeat(length - 1)}`;
    const error = failure('eu-west-1', { ...edgeContext('eu-west-1'), stackName: name(longest + 1) });
    expect(error.setting).toBe('stackName');
    expect(error.message).toContain(`at most ${longest} characters`);
    expect(buildIn('eu-west-1', { ...edgeContext('eu-west-1'), stackName: name(longest) }).edgeFirewallStack?.stackName).toHaveLength(128);
    // In us-east-1 there is no second stack: the setting's own 128 holds.
    expect(buildIn('us-east-1', { ...edgeContext('us-east-1'), stackName: name(128) }).stack.stackName).toHaveLength(128);
    expect(buildIn('eu-west-1', { stackName: name(128) }).stack.stackName).toHaveLength(128);
  });

  it("keeps every WAF MetricName within AWS's 128 characters, unique, with a 128-character stackName", () => {
    // VisibilityConfig's MetricName: A-Z, a-z, 0-9, - and _, 1 to 128 characters
    // (https://docs.aws.amazon.com/waf/latest/APIReference/API_VisibilityConfig.html); CloudFormation only finds out at deploy.
    const metricNames = (stackName: string): string[] => {
      const { firewall } = templatesIn('us-east-1', { stackName });
      const names: string[] = [];
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (typeof value === 'object' && value !== null) {
          for (const [key, child] of Object.entries(value)) {
            if (key === 'VisibilityConfig') names.push((child as { MetricName: string }).MetricName);
            walk(child);
          }
        }
      };
      walk(firewall.findResources('AWS::WAFv2::WebACL'));
      return names;
    };
    const long = `U${'k'.repeat(126)}`;
    for (const stackName of [`${long}a`, `${long}b`, 'UserApiKeys']) {
      const names = metricNames(stackName);
      expect(names).toHaveLength(1 + Object.keys(EDGE_RULES).length);
      for (const name of names) {
        expect(name.length).toBeLessThanOrEqual(128);
        expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      }
      expect(new Set(names).size).toBe(names.length);
    }
    // Two long names that differ only past the cut stay apart (a hash of the full name); a short one is kept as it was.
    const [a, b] = [metricNames(`${long}a`), metricNames(`${long}b`)];
    expect(a.filter((name) => b.includes(name))).toEqual([]);
    expect(metricNames('UserApiKeys')).toContain('UserApiKeys-edge');
  });

  it('edge on without a region known at synth names edge', () => {
    const error = failure(undefined, edgeContext('us-east-1'));
    expect(error.setting).toBe('edge');
    expect(error.message).toContain('region');
  });
});
