import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { checkWebhookToken, type WebhookTokenSource } from '../auth/webhook-token';
import {
  concurrentChangeAsUnavailable,
  DependencyUnavailableError,
  isDomainError,
  RequestTooLargeError,
  ValidationError,
} from '../domain/errors';
import { EventFileError, parseEventFile } from '../domain/auth0-event-file';
import { applyAuth0Event } from '../domain/owner-events';
import { bodyBytes, header } from '../http/request';
import type { WebhookResultsBody } from '../http/response-schemas';
import { errorResponse, jsonResponse, type HttpResponse } from '../http/responses';
import { describeError } from '../observability/logger';
import { deadlineFromContext, withDeadline, type DeadlineContext } from '../runtime/deadline';
import { summary, type OwnerEventDependencies } from './owner-events';

export interface Auth0WebhookDependencies extends OwnerEventDependencies {
  readonly token: WebhookTokenSource;
}

/**
 * A CloudEvent carries the whole user (metadata included), and a log stream batches logs that carry whole
 * Management API responses: more room than a management body, far less than Lambda's 6 MB payload.
 */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * POST /auth0/events: an Auth0 Event Stream's webhook destination (one
 * CloudEvent per request), or a Custom Webhook log stream's (a batch of
 * `{ log_id, data }` logs as a JSON array or JSON lines:
 * https://auth0.com/docs/customize/log-streams/custom-log-streams). The token
 * is checked before the body is read. 200 `{ results }`, one per event, once
 * each is applied or ignored; a fault is a 503, which Auth0 retries (it does
 * not retry a 4xx: https://auth0.com/docs/deploy-monitor/events/events-best-practices),
 * and applying the batch again is harmless.
 */
export const createAuth0WebhookHandler =
  (deps: Auth0WebhookDependencies) =>
  (event: APIGatewayProxyEventV2, context?: DeadlineContext): Promise<HttpResponse> =>
    withDeadline(deadlineFromContext(context), async () => {
      let response: HttpResponse;
      try {
        await checkToken(deps.token, header(event, 'authorization'));
        const raw = bodyBytes(event);
        if (raw === undefined || raw.byteLength === 0) throw new ValidationError('A JSON CloudEvent body is required', 'MISSING_BODY');
        if (raw.byteLength > MAX_WEBHOOK_BODY_BYTES) throw new RequestTooLargeError(MAX_WEBHOOK_BODY_BYTES);
        const results = [];
        for (const item of parseEvents(raw)) {
          const result = summary(await applyAuth0Event(deps.lifecycle, item));
          deps.logger.info('auth0 event', result);
          results.push(result);
        }
        return jsonResponse(200, { results } satisfies WebhookResultsBody);
      } catch (error) {
        // Auth0 does not retry a 4xx: a report that met keys changing under it must be answered as the passing fault it is.
        response = errorResponse(concurrentChangeAsUnavailable(error, 'Keys changed while this report was applied; try again shortly'));
        if (response.statusCode >= 500) deps.logger.error('auth0 event failed', describeError(error));
        else deps.logger.info('auth0 event refused', { status: response.statusCode });
      }
      return response;
    });

async function checkToken(source: WebhookTokenSource, authorization: string | undefined): Promise<void> {
  try {
    await checkWebhookToken(source, authorization);
  } catch (error) {
    if (isDomainError(error)) throw error;
    // The secret could not be read: refuse, retryably.
    throw new DependencyUnavailableError('The webhook token could not be loaded; try again shortly', 'WEBHOOK_TOKEN_UNAVAILABLE', {
      cause: error,
    });
  }
}

/** One event, an array of them, or JSON lines: the same rule as an operator's file (auth0-event-file.ts). */
function parseEvents(raw: Buffer): unknown[] {
  try {
    return parseEventFile(raw.toString('utf8'));
  } catch (error) {
    if (error instanceof EventFileError)
      throw new ValidationError(`The body is not Auth0 events as JSON: ${error.message}`, 'INVALID_JSON');
    throw error;
  }
}
