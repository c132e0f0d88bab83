import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import proxyEventFixture from '../fixtures/proxy-event.json';

export interface ManagementEventOptions {
  /** The whole Authorization header; none when left out. */
  readonly authorization?: string;
  /** The raw body, sent on POST only; none when left out. */
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  /** The `{id}` path parameter. */
  readonly id?: string;
}

/** The proxy-event fixture re-aimed at a management route (`POST /keys`, `GET /keys/{id}`, ...), as API Gateway would send it. */
export function managementEvent(route: string, options: ManagementEventOptions = {}): APIGatewayProxyEventV2 {
  const base = structuredClone(proxyEventFixture) as unknown as APIGatewayProxyEventV2;
  const [method = 'GET', template = '/'] = route.split(' ');
  const path = options.id !== undefined ? template.replace('{id}', encodeURIComponent(options.id)) : template;
  const headers: Record<string, string | undefined> = { ...base.headers };
  delete headers.authorization;
  delete headers['content-length'];
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const event: APIGatewayProxyEventV2 = {
    ...base,
    routeKey: route,
    rawPath: path,
    headers,
    requestContext: { ...base.requestContext, routeKey: route, http: { ...base.requestContext.http, method, path } },
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
  delete event.body;
  if (method === 'POST' && options.body !== undefined) event.body = options.body;
  if (options.id !== undefined) event.pathParameters = { id: options.id };
  return event;
}
