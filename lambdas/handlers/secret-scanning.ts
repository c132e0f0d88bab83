import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { GitHubKeySource } from '../auth/github-keys';
import { KEY_IDENTIFIER_HEADER, SIGNATURE_HEADER, verifyGitHubSignature } from '../auth/github-signature';
import { concurrentChangeAsUnavailable, isDomainError, RequestTooLargeError } from '../domain/errors';
import { parseLeakReport } from '../domain/leak-report';
import type { LeakRevocation } from '../domain/leak-revocation';
import { requestOrigin } from '../http/caller';
import { bodyBytes, header } from '../http/request';
import type { LeakFeedbackBody } from '../http/response-schemas';
import { errorResponse, jsonResponse, type HttpResponse } from '../http/responses';
import { describeError, type AppLogger } from '../observability/logger';
import { deadlineFromContext, withDeadline, type DeadlineContext } from '../runtime/deadline';

export interface SecretScanningDependencies {
  readonly keys: GitHubKeySource;
  readonly revocation: Pick<LeakRevocation, 'revokeAll'>;
  readonly logger: AppLogger;
}

/** Room for the most matches an alert may carry (MAX_LEAK_MATCHES) with long URLs; far less than Lambda's 6 MB payload. */
export const MAX_ALERT_BODY_BYTES = 1024 * 1024;

/**
 * POST /secret-scanning/github: GitHub's secret scanning partner alerts
 * (https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program).
 * The size is checked first, then GitHub's signature over the raw body, and
 * only then is the body parsed; each leaked key is revoked and the answer is
 * GitHub's feedback, 200 `[{ token_hash, token_type, label }]` (the hash, never
 * the raw token). A fault is a 503: GitHub's docs do not say whether or how
 * it retries a delivery that failed or timed out, so a 503 is the one answer
 * that invites a retry, and handling an alert again is harmless.
 */
export const createSecretScanningHandler =
  (deps: SecretScanningDependencies) =>
  (event: APIGatewayProxyEventV2, context?: DeadlineContext): Promise<HttpResponse> =>
    withDeadline(deadlineFromContext(context), async () => {
      let response: HttpResponse;
      try {
        const raw = bodyBytes(event) ?? Buffer.alloc(0);
        if (raw.byteLength > MAX_ALERT_BODY_BYTES) throw new RequestTooLargeError(MAX_ALERT_BODY_BYTES);
        await verifyGitHubSignature(
          deps.keys,
          { keyIdentifier: header(event, KEY_IDENTIFIER_HEADER), signature: header(event, SIGNATURE_HEADER) },
          raw,
        );
        const results = await deps.revocation.revokeAll(parseLeakReport(raw), requestOrigin(event));
        for (const { keyId, outcome, label } of results) {
          // The key id alone (public): never the token, the key or its hash.
          deps.logger.info('secret scanning match', { ...(keyId !== undefined ? { keyId } : {}), outcome, label });
        }
        return jsonResponse(
          200,
          results.map(({ tokenHash, tokenType, label }) => ({
            token_hash: tokenHash,
            token_type: tokenType,
            label,
          })) satisfies LeakFeedbackBody,
        );
      } catch (error) {
        response = errorResponse(concurrentChangeAsUnavailable(error, 'Keys changed while this alert was handled; try again shortly'));
        if (response.statusCode >= 500) deps.logger.error('secret scanning alert failed', describeError(error));
        else deps.logger.info('secret scanning alert refused', { status: response.statusCode, code: codeOf(error) });
      }
      return response;
    });

const codeOf = (error: unknown): string | undefined => (isDomainError(error) ? error.code : undefined);
