import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sdkClientConfig, type CallTimeouts } from '../runtime/call-timeouts';

/**
 * The authorizer reads its signing keys at cold start and hourly; should that
 * read fall on a request (the first load failed), it gives up fast, so the
 * function answers (a 500, never an allow) inside its timeout.
 */
export const AUTHORIZER_SECRET_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 1000, maxAttempts: 1 };
export const DEFAULT_SIGNING_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 3 };

/** Built once per process and reused by every invocation. */
export const createSecretsManagerClient = (timeouts: CallTimeouts = DEFAULT_SIGNING_TIMEOUTS): SecretsManagerClient =>
  new SecretsManagerClient(sdkClientConfig(timeouts));
