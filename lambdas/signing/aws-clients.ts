import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** How long one call may take, all attempts included (as the DynamoDB clients: lambdas/runtime/clients.ts). */
export interface CallTimeouts {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}

/**
 * The authorizer reads its signing keys at cold start and hourly; should that
 * read fall on a request (the first load failed), it gives up fast, so the
 * function answers (a 500, never an allow) inside its timeout.
 */
export const AUTHORIZER_SECRET_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 1000, maxAttempts: 1 };
export const DEFAULT_SIGNING_TIMEOUTS: CallTimeouts = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 3 };

/** Every attempt timing out, with the SDK's standard backoff between them at its most (as worstCaseMs in runtime/clients.ts). */
export function worstCaseCallMs(timeouts: CallTimeouts): number {
  let backoff = 0;
  for (let retry = 1; retry < timeouts.maxAttempts; retry += 1) backoff += Math.min(20_000, 500 * 2 ** retry);
  return timeouts.maxAttempts * (timeouts.connectionTimeoutMs + timeouts.requestTimeoutMs) + backoff;
}

/** Shared by the Secrets Manager and SSM clients (the latter in jwks-parameter.ts, so the authorizer bundles no SSM). */
export const clientConfig = (timeouts: CallTimeouts) => ({
  maxAttempts: timeouts.maxAttempts,
  requestHandler: {
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
    httpsAgent: { keepAlive: true },
  },
});

/** Built once per process and reused by every invocation. */
export const createSecretsManagerClient = (timeouts: CallTimeouts = DEFAULT_SIGNING_TIMEOUTS): SecretsManagerClient =>
  new SecretsManagerClient(clientConfig(timeouts));
