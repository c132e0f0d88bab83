import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { RouteDefinition } from '../lambdas/api-definition';
import { authorizerEvent, proxyEvent, type MatchedRequest } from './api-gateway-events';
import { AuthorizerCache } from './authorizer-cache';
import { BodyTooLargeError, readBody } from './http-util';
import { TokenBucket } from './token-bucket';

/** What a route's function returns: an HTTP API 2.0 structured result. */
export interface FunctionResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean> | undefined;
  body?: string | undefined;
  isBase64Encoded?: boolean | undefined;
  cookies?: string[] | undefined;
}

export type RouteFunction = (event: APIGatewayProxyEventV2) => Promise<FunctionResult>;
export type AuthorizerFunction = (event: APIGatewayRequestAuthorizerEventV2) => Promise<unknown>;

export interface LocalRoute extends RouteDefinition {
  readonly handler: RouteFunction;
}

export interface GatewayOptions {
  readonly routes: readonly LocalRoute[];
  readonly authorizer: AuthorizerFunction;
  readonly authorizerCacheTtlSeconds: number;
  /** The identity source's header (KEY_HEADER, lower case), as deployed; default `authorization`. */
  readonly keyHeader?: string | undefined;
  /** Milliseconds since the epoch; injected by tests to expire cached verdicts without sleeping. */
  readonly now?: (() => number) | undefined;
  /** Apply the routes' own throttles (429 when exhausted), as deployed. Default true. */
  readonly throttle?: boolean | undefined;
  /** Called for each request (method, path, status), e.g. to print an access log. */
  readonly onRequest?: ((line: { method: string; path: string; status: number }) => void) | undefined;
}

/** API Gateway's own payload limit; the handlers enforce their much smaller one. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

interface SimpleAuthorizerResult {
  isAuthorized: boolean;
  context?: Record<string, unknown>;
}

function isSimpleResult(value: unknown): value is SimpleAuthorizerResult {
  return typeof value === 'object' && value !== null && typeof (value as { isAuthorized?: unknown }).isAuthorized === 'boolean';
}

function matchRoute(routes: readonly LocalRoute[], method: string, path: string) {
  const segments = path.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const parameters: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const segment = segments[i] ?? '';
      const parameter = /^\{(\w+)\}$/.exec(part);
      if (parameter?.[1] !== undefined) {
        if (segment === '') return false;
        parameters[parameter[1]] = safeDecode(segment);
        return true;
      }
      return part === segment;
    });
    if (matches) {
      return { route, pathParameters: Object.keys(parameters).length > 0 ? parameters : undefined };
    }
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * A local stand-in for API Gateway (HTTP API): routes requests to the same
 * handler functions deployed to Lambda, with API Gateway's Lambda-authorizer
 * semantics: no identity source (the key's header, KEY_HEADER) → 401 without calling the authorizer,
 * `isAuthorized: false` → 403, an authorizer error → 500, verdicts cached per
 * identity source (the Authorization header and the route key) for the configured TTL; per-route throttling answers 429.
 */
export function createGateway(options: GatewayOptions): Server {
  const cache = new AuthorizerCache<SimpleAuthorizerResult>(options.authorizerCacheTtlSeconds, options.now);
  const keyHeader = options.keyHeader ?? 'authorization';
  const buckets = new Map(
    options.throttle === false
      ? []
      : options.routes.flatMap((route) => (route.throttle ? [[route, new TokenBucket(route.throttle, options.now)] as const] : [])),
  );

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<number> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const matched = matchRoute(options.routes, method, url.pathname);
    if (matched === undefined) {
      return gatewayError(response, 404, 'Not Found');
    }
    let body: Buffer;
    try {
      body = await readBody(request, GATEWAY_MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return gatewayError(response, 413, 'Request Entity Too Large');
      throw error;
    }
    const route = matched.route;
    if (buckets.get(route)?.take() === false) {
      return gatewayError(response, 429, 'Too Many Requests');
    }
    const routeKey = `${route.method} ${route.path}`;
    const matchedRequest: MatchedRequest = {
      request,
      body,
      method,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      routeKey,
      ...(matched.pathParameters !== undefined ? { pathParameters: matched.pathParameters } : {}),
    };
    const event = proxyEvent(matchedRequest);

    if (route.auth === 'apiKey') {
      const identity = event.headers[keyHeader];
      if (identity === undefined || identity === '') {
        return gatewayError(response, 401, 'Unauthorized');
      }
      // As deployed: the route key is an identity source, so a verdict cached
      // for one route (with its required scope) never decides another.
      const identitySource = [identity, routeKey];
      let verdict = cache.get(identitySource);
      if (verdict === undefined) {
        let result: unknown;
        try {
          result = await options.authorizer(authorizerEvent(event, identitySource));
        } catch {
          return gatewayError(response, 500, 'Internal Server Error');
        }
        if (!isSimpleResult(result)) {
          return gatewayError(response, 500, 'Internal Server Error');
        }
        verdict = result;
        cache.set(identitySource, verdict);
      }
      if (!verdict.isAuthorized) {
        return gatewayError(response, 403, 'Forbidden');
      }
      // Each request gets its own copy, as each Lambda invocation gets its own event.
      Object.assign(event.requestContext, { authorizer: { lambda: structuredClone(verdict.context ?? {}) } });
    }

    let result: FunctionResult;
    try {
      result = await route.handler(event);
    } catch {
      return gatewayError(response, 500, 'Internal Server Error');
    }
    const headers: Record<string, string | string[]> = { 'apigw-requestid': event.requestContext.requestId };
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    if (result.cookies !== undefined && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
    const payload = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    headers['content-length'] = String(payload.length);
    response.writeHead(result.statusCode, headers);
    response.end(payload);
    return result.statusCode;
  }

  const server = createServer((request, response) => {
    respond(request, response)
      .catch(() => gatewayError(response, 500, 'Internal Server Error'))
      .then((status) => options.onRequest?.({ method: request.method ?? '', path: request.url ?? '', status }))
      .catch(() => undefined);
  });
  return server;
}

/** Errors API Gateway itself produces have this shape: `{ "message": "..." }`. */
function gatewayError(response: ServerResponse, status: number, message: string): number {
  if (!response.headersSent) {
    const text = JSON.stringify({ message });
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'apigw-requestid': randomUUID(),
    });
    response.end(text);
  }
  return status;
}
