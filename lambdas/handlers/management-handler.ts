import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AccessTokenVerifier } from '../auth/access-token-verifier';
import type { Caller } from '../domain/audit-event';
import { callerOf } from '../http/caller';
import type { KeyService } from '../domain/key-service';
import { header } from '../http/request';
import { errorResponse, type HttpResponse } from '../http/responses';
import { describeError, type AppLogger } from '../observability/logger';
import { deadlineFromContext, withDeadline, type DeadlineContext } from '../runtime/deadline';

export interface ManagementDependencies {
  readonly keys: KeyService;
  readonly tokens: Pick<AccessTokenVerifier, 'verify'>;
  readonly logger: AppLogger;
}

/** `context`: Lambda's (or the local gateway's); without one (tests, tools) the request has no deadline. */
export type ManagementHandler = (event: APIGatewayProxyEventV2, context?: DeadlineContext) => Promise<HttpResponse>;

/**
 * The frame every key-management route shares: verify the caller's access
 * token, run the route for the verified caller, map any error to the one
 * `{ code, message }` shape, and log the outcome (never the token).
 *
 * All of it runs under the invocation's deadline (its remaining time less
 * DEADLINE_MARGIN_MS, lambdas/runtime/deadline.ts): a DynamoDB call that would
 * pass it is abandoned and the answer is 503 STORE_UNAVAILABLE with
 * Retry-After, logged here, rather than a function that Lambda kills (which
 * API Gateway reports as a bare 500).
 */
export function managementHandler(
  route: string,
  deps: ManagementDependencies,
  run: (caller: Caller, event: APIGatewayProxyEventV2) => Promise<HttpResponse>,
): ManagementHandler {
  return async (event, context) => {
    let callerSub: string | undefined;
    let response: HttpResponse;
    try {
      response = await withDeadline(deadlineFromContext(context), async () => {
        const principal = await deps.tokens.verify(header(event, 'authorization'));
        callerSub = principal.sub;
        return run(callerOf(principal, event), event);
      });
    } catch (error) {
      response = errorResponse(error);
      if (response.statusCode >= 500) {
        const failure: Record<string, unknown> = { route, sub: callerSub, status: response.statusCode, ...describeError(error) };
        deps.logger.error('request failed', failure);
        return response;
      }
    }
    const outcome: Record<string, unknown> = { route, sub: callerSub, status: response.statusCode };
    deps.logger.info('request', outcome);
    return response;
  };
}
