/** How long one AWS SDK call may take, all attempts included. */
export interface CallTimeouts {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}

/**
 * An upper bound on one call: every attempt times out, with the SDK's
 * standard-retry backoff between attempts at its most (500 ms base for
 * throttling, doubling, capped at 20 s). lib/ sets function timeouts from it.
 */
export function worstCaseMs(timeouts: CallTimeouts): number {
  let backoff = 0;
  for (let retry = 1; retry < timeouts.maxAttempts; retry += 1) backoff += Math.min(20_000, 500 * 2 ** retry);
  return timeouts.maxAttempts * (timeouts.connectionTimeoutMs + timeouts.requestTimeoutMs) + backoff;
}

/** The client options that hold an SDK client (DynamoDB, Secrets Manager, SSM) to `timeouts`. */
export const sdkClientConfig = (timeouts: CallTimeouts) => ({
  maxAttempts: timeouts.maxAttempts,
  requestHandler: {
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    // Without this, newer SDKs only warn when requestTimeout passes and keep waiting.
    throwOnRequestTimeout: true,
    // Reuse connections across invocations of a warm Lambda: no TLS handshake per request.
    httpsAgent: { keepAlive: true },
    httpAgent: { keepAlive: true },
  },
});
