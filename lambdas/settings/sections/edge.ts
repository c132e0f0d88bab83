import * as kind from '../kinds';
import { setting } from '../spec';

/**
 * The opt-in front door (README "Edge"): CloudFront with AWS WAF in front of
 * the HTTP API. Read by the stack only; every setting but `edge` is optional
 * here, and lib/edge-config.ts applies the defaults and the rules that tie
 * them together (each needs `edge`, certificates come in pairs with their
 * domain names).
 */

/** Requests per 5 minutes per client IP; AWS WAF's rate-based rules accept 10 to 2,000,000,000. */
export const EDGE_RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;
export const EDGE_DEFAULTS = { rateLimit: 2000, keyCreationRateLimit: 20 } as const;

const EDGE_ONLY = ['stack'] as const;
const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?=.{1,253}$)(?:${label}\\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`);
const HOST_RULE = 'a lower-case host name such as api.example.com';
/** ACM certificate ARNs; `region` pins the region where the service that reads it requires one. */
const certificateArn = (region: string) => new RegExp(`^arn:aws[a-z-]*:acm:${region}:\\d{12}:certificate/[0-9a-f-]{36}$`);
const rateLimit = () => kind.integer(EDGE_RATE_LIMIT_RANGE.min, EDGE_RATE_LIMIT_RANGE.max);

export const EDGE_SETTINGS = {
  edge: setting({
    env: 'EDGE',
    kind: kind.boolean(),
    usedBy: EDGE_ONLY,
    default: false,
    meaning:
      'put CloudFront and AWS WAF (rate limits per client IP, the AWS common rule set) in front of the API and turn its `execute-api` endpoint off; see *3. Optional: the edge*',
  }),
  edgeOriginDomainName: setting({
    env: 'EDGE_ORIGIN_DOMAIN_NAME',
    kind: kind.text(HOST, HOST_RULE),
    usedBy: EDGE_ONLY,
    optional: true,
    shownDefault: 'required with `edge`',
    meaning:
      "the API's own custom domain, CloudFront's origin (the `execute-api` endpoint is off); you point its DNS at the `EdgeOriginTarget` output",
  }),
  edgeOriginCertificateArn: setting({
    env: 'EDGE_ORIGIN_CERTIFICATE_ARN',
    kind: kind.text(certificateArn('[a-z0-9-]+'), 'an ACM certificate ARN'),
    usedBy: EDGE_ONLY,
    optional: true,
    shownDefault: 'required with `edge`',
    meaning: "an ACM certificate for `edgeOriginDomainName`, in the stack's region (API Gateway reads it there)",
  }),
  edgeDomainName: setting({
    env: 'EDGE_DOMAIN_NAME',
    kind: kind.text(HOST, HOST_RULE),
    usedBy: EDGE_ONLY,
    optional: true,
    shownDefault: 'unset: the `*.cloudfront.net` name',
    meaning: 'the name clients call (with `edgeCertificateArn`); you point its DNS at the `EdgeTarget` output',
  }),
  edgeCertificateArn: setting({
    env: 'EDGE_CERTIFICATE_ARN',
    kind: kind.text(certificateArn('us-east-1'), 'an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there)'),
    usedBy: EDGE_ONLY,
    optional: true,
    meaning: 'the certificate for `edgeDomainName`',
  }),
  edgeOriginClientCertificateArn: setting({
    env: 'EDGE_ORIGIN_CLIENT_CERTIFICATE_ARN',
    kind: kind.text(certificateArn('us-east-1'), 'an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there)'),
    usedBy: EDGE_ONLY,
    optional: true,
    shownDefault: 'unset: the origin domain stays open (see *3. Optional: the edge*)',
    meaning:
      'a client certificate (imported into ACM, extended key usage TLS client authentication) CloudFront presents to the origin; with `edgeOriginTruststoreUri`, the origin domain refuses every other client',
  }),
  edgeOriginTruststoreUri: setting({
    env: 'EDGE_ORIGIN_TRUSTSTORE_URI',
    kind: kind.text(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/, 'an S3 URI such as s3://bucket/truststore.pem'),
    usedBy: EDGE_ONLY,
    optional: true,
    meaning: 'the PEM bundle of the CA that issued `edgeOriginClientCertificateArn`: the origin domain requires mutual TLS against it',
  }),
  edgeRateLimit: setting({
    env: 'EDGE_RATE_LIMIT',
    kind: rateLimit(),
    usedBy: EDGE_ONLY,
    optional: true,
    shownDefault: `\`${EDGE_DEFAULTS.rateLimit}\``,
    meaning: 'requests per client IP in any 5 minutes, all routes; over it, 429 with a JSON body until the rate falls',
  }),
  edgeKeyCreationRateLimit: setting({
    env: 'EDGE_KEY_CREATION_RATE_LIMIT',
    kind: rateLimit(),
    usedBy: EDGE_ONLY,
    optional: true,
    shownDefault: `\`${EDGE_DEFAULTS.keyCreationRateLimit}\``,
    meaning:
      'the stricter limit, per client IP in any 5 minutes, on the throttled routes (`POST /keys`, `POST /keys/{id}/rotate`, `POST /oauth/token`, any route `ROUTES` marks `throttle`); at most `edgeRateLimit`',
  }),
} as const;

export type EdgeSettingName = keyof typeof EDGE_SETTINGS;
export const EDGE_SETTING_NAMES = Object.keys(EDGE_SETTINGS) as EdgeSettingName[];
