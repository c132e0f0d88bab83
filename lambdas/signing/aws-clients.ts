import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sdkClientConfig, type CallTimeouts } from '../runtime/call-timeouts';

/**
 * The authorizer reads its signing keys at cold start and hourly; should that
 * read fall on a request (the first load failed), it gives up fast, so the
 * function answers (a 500, never an allow) inside its timeout.
 */
export const AUTHORIZER_SECRET_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 1000, maxAttempts: 1 };
/**
 * The JWKS function's read of its SSM parameter: one short attempt, so a slow
 * GetParameter ends as its 503 JWKS_UNAVAILABLE inside the function's timeout
 * (lib/key-api.ts sets it from worstCaseMs of these), not as a Lambda timeout.
 */
export const JWKS_PARAMETER_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 1000, maxAttempts: 1 };
/** The rotation function's calls (lib/assertion-signing.ts sizes its timeout from these and MAX_CALLS_PER_STEP). */
export const DEFAULT_SIGNING_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 3 };

/** Built once per process and reused by every invocation. */
export const createSecretsManagerClient = (timeouts: CallTimeouts = DEFAULT_SIGNING_TIMEOUTS): SecretsManagerClient =>
  new SecretsManagerClient(sdkClientConfig(timeouts));
