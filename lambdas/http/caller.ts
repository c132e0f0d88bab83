import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../auth/access-token-verifier';
import type { Caller } from '../domain/audit-event';

/** The verified subject, with where the request came from as API Gateway saw it (for the audit trail). */
/** Read defensively: a hand-built event (a test, another gateway) may lack the request context. */
type EventSource = Partial<Pick<APIGatewayProxyEventV2, 'requestContext'>>;

export function callerOf(principal: Principal, event: EventSource): Caller {
  return {
    sub: principal.sub,
    rights: principal.permissions ?? principal.scopes,
    // A token without `iat` counts as issued at the epoch: before any block or deletion.
    tokenIssuedAtMs: (principal.issuedAt ?? 0) * 1000,
    ...requestOrigin(event),
  };
}

/** Where a request came from as API Gateway saw it, for an audit event: its address and user agent, when present. */
export function requestOrigin(event: EventSource): Pick<Caller, 'sourceIp' | 'userAgent'> {
  const http = event.requestContext?.http as Partial<APIGatewayProxyEventV2['requestContext']['http']> | undefined;
  return { ...(http?.sourceIp ? { sourceIp: http.sourceIp } : {}), ...(http?.userAgent ? { userAgent: http.userAgent } : {}) };
}
