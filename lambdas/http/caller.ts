import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../auth/access-token-verifier';
import type { Caller } from '../domain/audit-event';

/** The verified subject, with where the request came from as API Gateway saw it (for the audit trail). */
export function callerOf(principal: Principal, event: Pick<APIGatewayProxyEventV2, 'requestContext'>): Caller {
  const http = event.requestContext?.http;
  return {
    sub: principal.sub,
    ...(http?.sourceIp ? { sourceIp: http.sourceIp } : {}),
    ...(http?.userAgent ? { userAgent: http.userAgent } : {}),
  };
}
