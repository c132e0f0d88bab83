import type { FunctionName } from '../api-definition';
import { AUTHORIZER_SECRET_TIMEOUTS, DEFAULT_SIGNING_TIMEOUTS, JWKS_PARAMETER_TIMEOUTS } from '../signing/aws-clients';
import { worstCaseMs } from './call-timeouts';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, MANAGEMENT_DYNAMODB_TIMEOUTS, MANAGEMENT_FUNCTION_TIMEOUT_SECONDS } from './clients';

/**
 * Every API function's deployed timeout, in whole seconds, in one place: lib/key-api.ts deploys
 * them and the local gateway (local/local-system.ts) enforces them, so `npm start` gives up on a
 * function exactly when Lambda would. Each is sized so that the function's own SDK calls, retries
 * included (worstCaseMs), end first: the function answers an error of its own, not a timeout.
 */

/** Whole seconds, rounded up, for a budget in milliseconds. */
const seconds = (ms: number): number => Math.ceil(ms / 1000);

/**
 * The API-key authorizer (7 s): its GetItem within AUTHORIZER_DYNAMODB_TIMEOUTS' worst case and, when
 * the cold start's load of its signing keys failed, one Secrets Manager read, plus a second.
 */
export const AUTHORIZER_FUNCTION_TIMEOUT_SECONDS = seconds(
  worstCaseMs(AUTHORIZER_DYNAMODB_TIMEOUTS) + worstCaseMs(AUTHORIZER_SECRET_TIMEOUTS) + 1000,
);

/** The JWKS function's one GetParameter gives up within its worst case, so a slow one answers 503 JWKS_UNAVAILABLE, not a timeout. */
export const JWKS_FUNCTION_TIMEOUT_SECONDS = seconds(worstCaseMs(JWKS_PARAMETER_TIMEOUTS) + 1000);

/** The token exchange: one GetItem and, when the cold start's failed, one read of its MAC keys, each within its worst case. */
export const TOKEN_FUNCTION_TIMEOUT_SECONDS = seconds(
  worstCaseMs(MANAGEMENT_DYNAMODB_TIMEOUTS) + worstCaseMs(AUTHORIZER_SECRET_TIMEOUTS) + 1000,
);

/** Functions that call nothing on a request (health, the sample /whoami, the console's files, the OpenAPI document). */
export const QUICK_FUNCTION_TIMEOUT_SECONDS = 3;

/**
 * POST /auth0/events: a management call's time plus the token's read from Secrets Manager (worst case),
 * capped at 29 s, inside API Gateway's 30 s; lib/owner-events.ts deploys it (AUTH0_WEBHOOK_TIMEOUT).
 */
export const AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS = Math.min(
  29,
  MANAGEMENT_FUNCTION_TIMEOUT_SECONDS + seconds(worstCaseMs(DEFAULT_SIGNING_TIMEOUTS)),
);

export { MANAGEMENT_FUNCTION_TIMEOUT_SECONDS };

/** A function deployed with the management timeout (MANAGEMENT_FUNCTION_TIMEOUT_SECONDS). */
const MANAGEMENT = 'management';

/**
 * Each route function's timeout: key management (the `accessToken` routes) and GitHub's alerts, which
 * revoke keys as those routes do, have the management timeout.
 */
const TIMEOUTS: Readonly<Record<FunctionName, number | typeof MANAGEMENT>> = {
  health: QUICK_FUNCTION_TIMEOUT_SECONDS,
  whoami: QUICK_FUNCTION_TIMEOUT_SECONDS,
  console: QUICK_FUNCTION_TIMEOUT_SECONDS,
  openapi: QUICK_FUNCTION_TIMEOUT_SECONDS,
  jwks: JWKS_FUNCTION_TIMEOUT_SECONDS,
  token: TOKEN_FUNCTION_TIMEOUT_SECONDS,
  createKey: MANAGEMENT,
  listKeys: MANAGEMENT,
  getKey: MANAGEMENT,
  revokeKey: MANAGEMENT,
  rotateKey: MANAGEMENT,
  updateKey: MANAGEMENT,
  listKeyEvents: MANAGEMENT,
  adminListKeys: MANAGEMENT,
  adminRevokeKeys: MANAGEMENT,
  secretScanning: MANAGEMENT,
  auth0Webhook: AUTH0_WEBHOOK_FUNCTION_TIMEOUT_SECONDS,
};

const entries = Object.entries(TIMEOUTS) as [FunctionName, number | typeof MANAGEMENT][];

/** The functions deployed with the management timeout. */
export const MANAGEMENT_TIMEOUT_FUNCTIONS: ReadonlySet<FunctionName> = new Set(
  entries.flatMap(([name, timeout]) => (timeout === MANAGEMENT ? [name] : [])),
);

/** Each route function's timeout, in seconds. */
export const ROUTE_FUNCTION_TIMEOUT_SECONDS = Object.fromEntries(
  entries.map(([name, timeout]) => [name, timeout === MANAGEMENT ? MANAGEMENT_FUNCTION_TIMEOUT_SECONDS : timeout]),
) as Readonly<Record<FunctionName, number>>;
