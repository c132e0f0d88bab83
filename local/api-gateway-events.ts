import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';

/**
 * Builds the events API Gateway (HTTP API, payload format 2.0) would send,
 * from a Node request, so the handlers run locally on the shapes they get in AWS.
 */

const TEXT_TYPES = /^(text\/|application\/(json|.*\+json|x-www-form-urlencoded|xml|javascript))/i;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface MatchedRequest {
  readonly request: IncomingMessage;
  readonly body: Buffer;
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** e.g. `GET /keys/{id}` */
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The last second formatted, and its text: requests in the same second share it. */
let lastTime: { second: number; text: string } | undefined;

/** `12/Mar/2020:19:03:58 +0000`, API Gateway's requestContext.time */
function gatewayTime(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (lastTime?.second !== second) {
    const text = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
      date.getUTCMinutes(),
    )}:${pad(date.getUTCSeconds())} +0000`;
    lastTime = { second, text };
  }
  return lastTime.text;
}

/** Header names lower-cased, repeated headers joined with commas, cookies split out: as HTTP API does. */
function gatewayHeaders(request: IncomingMessage): { headers: Record<string, string>; cookies?: string[] } {
  const headers = Object.create(null) as Record<string, string>;
  let cookies: string[] | undefined;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter((c) => c !== '')];
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return cookies === undefined ? { headers } : { headers, cookies };
}

function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  // No prototype: `?__proto__=1` is a parameter like any other (as in API Gateway's JSON), not dropped.
  const result = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    result[name] = result[name] === undefined ? value : `${result[name]},${value}`;
  }
  return result;
}

export function proxyEvent(matched: MatchedRequest, now = new Date()): APIGatewayProxyEventV2 {
  const { headers, cookies } = gatewayHeaders(matched.request);
  const isText = matched.body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? '');
  const queryStringParameters = queryParameters(matched.rawQueryString);
  const host = headers.host ?? '127.0.0.1';
  return {
    version: '2.0',
    routeKey: matched.routeKey,
    rawPath: matched.rawPath,
    rawQueryString: matched.rawQueryString,
    ...(cookies !== undefined ? { cookies } : {}),
    headers,
    ...(queryStringParameters !== undefined ? { queryStringParameters } : {}),
    ...(matched.pathParameters !== undefined ? { pathParameters: matched.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: matched.method,
        path: matched.rawPath,
        protocol: `HTTP/${matched.request.httpVersion}`,
        sourceIp: matched.request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: matched.routeKey,
      stage: '$default',
      time: gatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(matched.body.length > 0
      ? { body: matched.body.toString(isText ? 'utf8' : 'base64'), isBase64Encoded: !isText }
      : { isBase64Encoded: false }),
  };
}

export function authorizerEvent(event: APIGatewayProxyEventV2, identitySource: string[]): APIGatewayRequestAuthorizerEventV2 {
  const method = event.requestContext.http.method;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:${event.requestContext.accountId}:${event.requestContext.apiId}/$default/${method}${event.rawPath}`,
    identitySource,
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: event.cookies ?? [],
    headers: event.headers,
    queryStringParameters: event.queryStringParameters ?? {},
    requestContext: event.requestContext,
    pathParameters: event.pathParameters ?? {},
    stageVariables: {},
  };
}
