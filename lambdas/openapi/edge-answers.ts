import * as z from 'zod';

/**
 * What the optional edge (CloudFront and its WAF web ACL, lib/edge-firewall.ts, with the `edge` setting on) answers
 * itself, on every path, before API Gateway sees the request: the per-IP rate rules' 429 and the AWS common rule
 * set's 403, each with a custom JSON body. Kept here, not in lib/, so the served document need not pull in the CDK;
 * lib/edge-firewall.ts builds the web ACL's EDGE_BLOCK_BODIES from these.
 */
export const EDGE_ANSWERS = {
  429: {
    body: { code: 'RATE_LIMITED', message: 'Too many requests from this address; slow down and retry in a few minutes' },
    meaning: 'too many requests from this client IP in 5 minutes (a stricter limit on the key-creation routes); no `Retry-After`',
  },
  403: {
    body: { code: 'REQUEST_BLOCKED', message: 'The request was refused by the firewall' },
    meaning: "the request matched AWS's common rule set (AWSManagedRulesCommonRuleSet)",
  },
} as const;

export type EdgeErrorCode = (typeof EDGE_ANSWERS)[keyof typeof EDGE_ANSWERS]['body']['code'];

const EDGE_CODES = Object.values(EDGE_ANSWERS).map((answer) => answer.body.code) as [EdgeErrorCode, ...EdgeErrorCode[]];

/** The edge's own error body: `{ code, message }`, like the functions' errors, with a code of its own. */
export const edgeErrorSchema = z.strictObject({ code: z.enum(EDGE_CODES), message: z.string() });
