import { createHash } from 'node:crypto';
import { ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { EDGE_ANSWERS } from '../lambdas/openapi/edge-answers';
import { strictRoutesStatement } from './edge-paths';
import { logRetention } from './house-function';

export interface EdgeFirewallProps {
  /** Requests per client IP in any 5 minutes, every route. */
  readonly rateLimit: number;
  /** The same, on the throttled routes (lambdas/api-definition.ts ROUTES' `throttle`). */
  readonly keyCreationRateLimit: number;
  readonly logRetentionDays: number;
  /**
   * The header keys come in (the `keyHeader` setting, `authorization` by default): kept out of
   * the logs and the sampled requests with Authorization, which carries keys and Auth0 tokens.
   */
  readonly keyHeader: string;
}

/** The headers the web ACL never shows anyone (logs, sampled requests): Authorization, and a custom keyHeader. */
export function protectedHeaders(keyHeader: string): string[] {
  return [...new Set(['authorization', keyHeader.toLowerCase()])];
}

/**
 * Bodies WAF answers with instead of CloudFront's HTML error page; the same `{ code, message }` shape as the functions'
 * errors. The OpenAPI document's own (lambdas/openapi/edge-answers.ts), so what is served and what is documented are one.
 */
export const EDGE_BLOCK_BODIES = { 'rate-limited': EDGE_ANSWERS[429].body, blocked: EDGE_ANSWERS[403].body } as const;

/** The rules, by name and priority: a request is counted against both rate limits before the common rule set sees it. */
export const EDGE_RULES = {
  keyCreationRate: { name: 'key-creation-rate-per-ip', priority: 0 },
  rate: { name: 'rate-per-ip', priority: 1 },
  commonRuleSet: { name: 'aws-common-rule-set', priority: 2 },
  commonRuleSetBlock: { name: 'aws-common-rule-set-block', priority: 3 },
} as const;

// The common rule set's labels (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html,
// "Core rule set (CRS) managed rule group"): a rule's label is not always its name's spelling (NoUserAgent_HEADER
// labels NoUserAgent_Header), and label matching is exact.
const CRS_NAMESPACE = 'awswaf:managed:aws:core-rule-set:';
/**
 * The labels of the common rule set's rules that block (its latest static version, as the guide lists them): a
 * request with any of them is refused, whatever else it carries.
 */
export const CRS_LABELS_BLOCKED = [
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
].map((name) => `${CRS_NAMESPACE}${name}`);
/** The common rule set's rules whose matches pass (README "3. Optional: the edge"), by label. */
export const CRS_LABELS_ALLOWED = {
  // SizeRestrictions_BODY: its 8 KB body limit is the API's to enforce (16 KB for key management, 413 with a
  // JSON body; the backend's own).
  bodySize: `${CRS_NAMESPACE}SizeRestrictions_Body`,
  // NoUserAgent_HEADER: an API's callers (scripts, CI jobs, HTTP libraries, aws-jwt-verify's JWKS fetch) often
  // send no User-Agent; blocking them would break /whoami and every backend verifying the assertion here.
  noUserAgent: `${CRS_NAMESPACE}NoUserAgent_Header`,
} as const;
// Rate-based rules count over a window of 60, 120, 300 or 600 s; the limit is per window, at least 10
// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
const WINDOW_SECONDS = 300;

// A VisibilityConfig's MetricName "can contain only the characters: A-Z, a-z, 0-9, - (hyphen), and _ (underscore)"
// and "can be from one to 128 characters long"
// (https://docs.aws.amazon.com/waf/latest/APIReference/API_VisibilityConfig.html); CloudFormation accepts a longer one
// at synth and the deploy fails. A stackName may itself be 128 characters.
const METRIC_NAME_LIMIT = 128;
/** The suffixes the web ACL's and its rules' metric names put after the prefix. */
const METRIC_SUFFIXES = ['edge', ...Object.values(EDGE_RULES).map((rule) => rule.name)];
const HASH_LENGTH = 8;

/**
 * The prefix of every metric name: the stack name as it is when `<prefix>-<longest suffix>` fits in 128 characters
 * (a stack name's characters, letters, digits and hyphens, are all allowed), else cut short and followed by a hash
 * of the full name, so two long stack names in one account keep distinct metrics.
 */
export function metricPrefixFor(stackName: string): string {
  const room = METRIC_NAME_LIMIT - 1 - Math.max(...METRIC_SUFFIXES.map((suffix) => suffix.length));
  const allowed = stackName.replace(/[^A-Za-z0-9_-]/g, '-');
  if (allowed === stackName && allowed.length > 0 && allowed.length <= room) return allowed;
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, HASH_LENGTH);
  return `${allowed.slice(0, room - HASH_LENGTH - 1)}-${hash}`;
}

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  metricName,
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
});

// A Block may answer any status from 200 to 599 with a body of ours, typed application/json
// (https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html,
// https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-status-codes.html): 429 for a rate limit.
const block = (responseCode: number, body: keyof typeof EDGE_BLOCK_BODIES): CfnWebACL.RuleActionProperty => ({
  block: { customResponse: { responseCode, customResponseBodyKey: body } },
});

/**
 * The web ACL CloudFront uses: rate limits per client IP (a stricter one on
 * the throttled routes), AWS's common rule set, and JSON answers for every
 * block. A web ACL for CloudFront (scope CLOUDFRONT) exists only in us-east-1
 * (https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html),
 * so this construct refuses any other stack region. It logs every request it
 * sees, the Authorization and key headers replaced by REDACTED there and in
 * the sampled requests: the edge's access log.
 */
export class EdgeFirewall extends Construct {
  readonly webAcl: CfnWebACL;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || stack.region !== 'us-east-1') {
      throw new Error(`EdgeFirewall must be in a us-east-1 stack (a CloudFront web ACL exists only there), not ${stack.region}`);
    }
    const metricPrefix = metricPrefixFor(stack.stackName);
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'User API keys: per-IP rate limits and the AWS common rule set in front of the API',
      defaultAction: { allow: {} },
      // Web ACL data protection, unlike the logging configuration's redactedFields, holds for every place WAF
      // shows a request: its logs, the sampled requests (wafv2:GetSampledRequests) and Security Lake
      // (https://docs.aws.amazon.com/waf/latest/developerguide/data-protection-masking.html,
      // https://docs.aws.amazon.com/waf/latest/developerguide/logging.html).
      dataProtectionConfig: {
        // One entry for the field type, its keys the headers (FieldToProtect.FieldKeys, up to 100).
        dataProtections: [{ field: { fieldType: 'SINGLE_HEADER', fieldKeys: protectedHeaders(props.keyHeader) }, action: 'SUBSTITUTION' }],
      },
      visibilityConfig: visibility(`${metricPrefix}-edge`),
      customResponseBodies: Object.fromEntries(
        Object.entries(EDGE_BLOCK_BODIES).map(([key, body]) => [key, { contentType: 'APPLICATION_JSON', content: JSON.stringify(body) }]),
      ),
      rules: [
        {
          ...EDGE_RULES.keyCreationRate,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.keyCreationRateLimit,
              evaluationWindowSec: WINDOW_SECONDS,
              scopeDownStatement: strictRoutesStatement(),
            },
          },
          action: block(429, 'rate-limited'),
          visibilityConfig: visibility(`${metricPrefix}-${EDGE_RULES.keyCreationRate.name}`),
        },
        {
          ...EDGE_RULES.rate,
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: props.rateLimit, evaluationWindowSec: WINDOW_SECONDS } },
          action: block(429, 'rate-limited'),
          visibilityConfig: visibility(`${metricPrefix}-${EDGE_RULES.rate.name}`),
        },
        {
          // Counted, not blocked here: its matches leave labels, and the next rule blocks them with our JSON
          // body (a managed group's own blocks would answer CloudFront's HTML 403 page;
          // https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-label-match-examples.html).
          ...EDGE_RULES.commonRuleSet,
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } },
          overrideAction: { count: {} },
          visibilityConfig: visibility(`${metricPrefix}-${EDGE_RULES.commonRuleSet.name}`),
        },
        {
          ...EDGE_RULES.commonRuleSetBlock,
          // Every label the guide lists but the two allowed ones blocks, with whatever labels come along: excluding
          // the allowed ones from a namespace match alone would let a request carrying one (no User-Agent, a large
          // body) past every other rule. A label the list does not know yet (a rule AWS adds later) blocks too, on
          // a request that carries neither allowed label.
          statement: {
            orStatement: {
              statements: [
                ...CRS_LABELS_BLOCKED.map((key) => ({ labelMatchStatement: { scope: 'LABEL', key } })),
                {
                  andStatement: {
                    statements: [
                      { labelMatchStatement: { scope: 'NAMESPACE', key: CRS_NAMESPACE } },
                      ...Object.values(CRS_LABELS_ALLOWED).map((key) => ({
                        notStatement: { statement: { labelMatchStatement: { scope: 'LABEL', key } } },
                      })),
                    ],
                  },
                },
              ],
            },
          },
          action: block(403, 'blocked'),
          visibilityConfig: visibility(`${metricPrefix}-${EDGE_RULES.commonRuleSetBlock.name}`),
        },
      ],
    });

    // WAF logs only to a log group whose name starts with aws-waf-logs-, named by its ARN without the ":*"
    // CDK's logGroupArn ends in (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
    const logGroupName = `aws-waf-logs-${stack.stackName}`;
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName,
      retention: logRetention(props.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logging = new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      // Keys and tokens travel in Authorization, keys in a custom keyHeader too. The web ACL's data protection
      // covers the logs already; redacting here as well keeps them out should that configuration change.
      redactedFields: protectedHeaders(props.keyHeader).map((header) => ({ singleHeader: { Name: header } })),
    });
    logging.node.addDependency(this.logGroup);
  }
}
