import type { DenialCode } from '../domain/verdict';

/**
 * The names of the metrics the authorizer emits (CloudWatch embedded metric
 * format), in one place: the authorizer writes them (verdict-metrics.ts) and
 * the dashboard (lib/key-dashboard.ts) reads them, so the two cannot drift.
 * No name or dimension carries a key, a key id or an owner.
 */

/** How one authorizer invocation ended: allowed, denied (and why), or failed (a fault, rethrown). */
export type VerdictOutcome = 'ALLOWED' | DenialCode | 'UNSCOPED_ROUTE' | 'ERROR';

export const VERDICT_METRICS_NAMESPACE = 'UserApiKeys';

/** The authorizer's Powertools service name, which Powertools adds as the `service` dimension. */
export const AUTHORIZER_SERVICE_NAME = 'api-key-authorizer';

/**
 * The metrics' dimensions besides `service`: the function's name, so two
 * stacks in one account and region keep their figures apart.
 */
export const FUNCTION_NAME_DIMENSION = 'FunctionName';

/** One metric per outcome (a count, Sum per period); `satisfies` makes a new DenialCode fail to compile until it has one. */
export const VERDICT_METRIC_NAMES = {
  ALLOWED: 'Allowed',
  MISSING: 'DeniedMissing',
  MALFORMED: 'DeniedMalformed',
  KEY_ID_MISMATCH: 'DeniedKeyIdMismatch',
  NOT_FOUND: 'DeniedNotFound',
  INVALID_SECRET: 'DeniedInvalidSecret',
  REVOKED: 'DeniedRevoked',
  EXPIRED: 'DeniedExpired',
  DISABLED: 'DeniedDisabled',
  INSUFFICIENT_SCOPE: 'DeniedInsufficientScope',
  INVALID_TOKEN: 'DeniedInvalidToken',
  TOKEN_EXPIRED: 'DeniedTokenExpired',
  UNSCOPED_ROUTE: 'DeniedUnscopedRoute',
  ERROR: 'VerificationFailed',
} as const satisfies Record<VerdictOutcome, string>;

export const VERDICT_OUTCOMES = Object.keys(VERDICT_METRIC_NAMES) as VerdictOutcome[];

/** Lookups in the authorizer's in-instance verdict cache (well-formed keys only; garbage never reaches it). */
export const CACHE_METRIC_NAMES = { hits: 'VerdictCacheHits', misses: 'VerdictCacheMisses' } as const;
