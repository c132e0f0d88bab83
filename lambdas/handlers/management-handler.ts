import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AccessTokenVerifier } from '../auth/access-token-verifier';
import type { Caller } from '../domain/audit-event';
import { callerOf } from '../http/caller';
import type { KeyService } from '../domain/key-service';
import { header } from '../http/request';
import { errorResponse, type HttpResponse } from '../http/responses';
import { describeError, type AppLogger } from '../observability/logger';

export interface ManagementDependencies {
  readonly keys: KeyService;
  readonly tokens: Pick<AccessTokenVerifier, 'verify'>;
  readonly logger: AppLogger;
}

export type ManagementHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;

/**
 * The frame every key-management route shares: verify the caller's access
 * token, run the route for the verified caller, map any error to the one
 * `{ code, message }` shape, and log the outcome (never the token).
 */
export function managementHandler(
  route: string,
  deps: ManagementDependencies,
  run: (caller: Caller, event: APIGatewayProxyEventV2) => Promise<HttpResponse>,
): ManagementHandler {
  return async (event) => {
    let callerSub: string | undefined;
    let response: HttpResponse;
    try {
      const principal = await deps.tokens.verify(header(event, 'authorization'));
      callerSub = principal.sub;
      response = await run(callerOf(principal, event), event);
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
