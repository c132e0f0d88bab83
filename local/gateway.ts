import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { CorsRules, RouteDefinition } from '../lambdas/api-definition';
import { AUTHORIZER_FUNCTION_TIMEOUT_SECONDS, MANAGEMENT_FUNCTION_TIMEOUT_SECONDS } from '../lambdas/runtime/function-timeouts';
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

/** What a route's function gets besides its event: the part of Lambda's context this project reads. */
export interface LocalLambdaContext {
  readonly functionName: string;
  readonly awsRequestId: string;
  /** Counts down from the function's timeout, from the moment it is invoked. */
  getRemainingTimeInMillis(): number;
}

/** The gateway always passes `context`; it is optional so that a function may hand its event on without one. */
export type RouteFunction = (event: APIGatewayProxyEventV2, context?: LocalLambdaContext) => Promise<FunctionResult>;
export type AuthorizerFunction = (event: APIGatewayRequestAuthorizerEventV2) => Promise<unknown>;

export interface LocalRoute extends RouteDefinition {
  readonly handler: RouteFunction;
  /** The deployed function's timeout; default: the management timeout for `accessToken` routes, none (only the integration's) for others. */
  readonly timeoutMs?: number | undefined;
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
  /** Called with each answer as sent, and the route it was for: e.g. to check it against the OpenAPI document. */
  readonly onResponse?: ((exchange: GatewayExchange) => void) | undefined;
  /** The timeout of the `accessToken` routes' functions that set none; default as deployed (MANAGEMENT_FUNCTION_TIMEOUT_SECONDS). */
  readonly managementTimeoutMs?: number | undefined;
  /** API Gateway's own wait for any integration; default HTTP APIs' 30 s (tests shorten it). */
  readonly integrationTimeoutMs?: number | undefined;
  /**
   * The longest the authorizer may take: default as deployed, its function's timeout
   * (AUTHORIZER_FUNCTION_TIMEOUT_SECONDS) within API Gateway's own limit for a Lambda authorizer
   * (LAMBDA_AUTHORIZER_TIMEOUT_MS); tests shorten it.
   */
  readonly authorizerTimeoutMs?: number | undefined;
  /** CORS as the HTTP API's corsPreflight does it (CORS_ALLOW_ORIGINS); none when absent or no origin is allowed. */
  readonly cors?: { readonly allowOrigins: readonly string[]; readonly rules: CorsRules } | undefined;
}

/** One answer of the gateway: the route that matched (none for a 404 or a CORS preflight) and what was sent. */
export interface GatewayExchange {
  readonly method: string;
  readonly path: string;
  /** `GET /keys/{id}`; undefined when no route matched, or for a CORS preflight. */
  readonly routeKey: string | undefined;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
}

/** What the gateway sends: built whole, then written once (so an observer sees exactly what the client got). */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  readonly routeKey?: string | undefined;
}

/** HTTP APIs wait at most 30 s for an integration (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/** ...and at most 10 s for a Lambda authorizer's response (the same page: "Timeout for Lambda authorizer response"). */
export const LAMBDA_AUTHORIZER_TIMEOUT_MS = 10_000;

/** The authorizer's deployed bound: Lambda stops it at its timeout (7 s), before API Gateway's own 10 s. */
export const AUTHORIZER_TIMEOUT_MS = Math.min(AUTHORIZER_FUNCTION_TIMEOUT_SECONDS * 1000, LAMBDA_AUTHORIZER_TIMEOUT_MS);

/** API Gateway's own payload limit; the handlers enforce their much smaller one. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

interface SimpleAuthorizerResult {
  isAuthorized: boolean;
  context?: Record<string, unknown>;
}

function isSimpleResult(value: unknown): value is SimpleAuthorizerResult {
  return typeof value === 'object' && value !== null && typeof (value as { isAuthorized?: unknown }).isAuthorized === 'boolean';
}

/** A path segment of a route: a literal, or a `{name}` parameter's name. */
type Part = string | { readonly parameter: string };

interface CompiledRoute {
  readonly route: LocalRoute;
  /** Every segment of the route's path. */
  readonly parts: readonly Part[];
  /** For a path ending in a greedy `{name+}`: the segments before it, and its name. */
  readonly greedy?: { readonly fixed: readonly Part[]; readonly name: string } | undefined;
}

/** The routes of each method, their paths split and parsed once, the greedy ones longest first (as matchRoute tries them). */
type RouteTable = Readonly<
  Record<string, { readonly all: readonly CompiledRoute[]; readonly greedy: readonly CompiledRoute[] } | undefined>
>;

const GREEDY = /^\{(\w+)\+\}$/;
const PARAMETER = /^\{(\w+)\}$/;

function compileRoutes(routes: readonly LocalRoute[]): RouteTable {
  const table: Record<string, { all: CompiledRoute[]; greedy: CompiledRoute[] }> = Object.create(null) as Record<
    string,
    { all: CompiledRoute[]; greedy: CompiledRoute[] }
  >;
  for (const route of routes) {
    const pattern = route.path.split('/');
    const parts = pattern.map((part): Part => {
      const name = PARAMETER.exec(part)?.[1];
      return name === undefined ? part : { parameter: name };
    });
    const greedyName = GREEDY.exec(pattern[pattern.length - 1] ?? '')?.[1];
    const compiled: CompiledRoute = {
      route,
      parts,
      greedy: greedyName === undefined ? undefined : { fixed: parts.slice(0, -1), name: greedyName },
    };
    const forMethod = (table[route.method] ??= { all: [], greedy: [] });
    forMethod.all.push(compiled);
    if (compiled.greedy !== undefined) forMethod.greedy.push(compiled);
  }
  // Stable: routes of the same length keep their order.
  for (const forMethod of Object.values(table)) forMethod.greedy.sort((a, b) => b.parts.length - a.parts.length);
  return table;
}

/**
 * API Gateway's route selection: an exact match of path and method first,
 * then a route ending in a greedy `{name+}` variable (one or more segments),
 * the longest such prefix winning
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
 */
function matchRoute(table: RouteTable, method: string, path: string) {
  const candidates = table[method];
  if (candidates === undefined) return undefined;
  const segments = path.split('/');
  for (const { route, parts } of candidates.all) {
    if (parts.length !== segments.length) continue;
    const parameters = matchParts(parts, segments);
    if (parameters !== undefined) return { route, pathParameters: Object.keys(parameters).length > 0 ? parameters : undefined };
  }
  for (const { route, greedy } of candidates.greedy) {
    if (greedy === undefined || segments.length <= greedy.fixed.length) continue;
    const rest = segments.slice(greedy.fixed.length).join('/');
    if (rest === '') continue;
    const parameters = matchParts(greedy.fixed, segments);
    if (parameters !== undefined) return { route, pathParameters: { ...parameters, [greedy.name]: safeDecode(rest) } };
  }
  return undefined;
}

/** The path parameters when the first `parts.length` segments match `parts` segment for segment, else undefined. */
function matchParts(parts: readonly Part[], segments: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    if (typeof part === 'string') {
      if (part !== segment) return undefined;
    } else {
      if (segment === '') return undefined;
      parameters[part.parameter] = safeDecode(segment);
    }
  }
  return parameters;
}

/**
 * What structuredClone gives for an authorizer's context, at a fraction of its cost on every request the
 * gateway's cache allows: the context is JSON-shaped (API Gateway hands it on as JSON), so plain objects and
 * arrays are copied, strings, numbers and booleans kept; anything else goes to structuredClone itself (a
 * function or a symbol throws there, as before: a 500).
 */
function copyContext(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  }
  if (Array.isArray(value)) return value.map(copyContext);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyContext((value as Record<string, unknown>)[key]);
    // An own `__proto__` (JSON.parse makes one) stays a property, as structuredClone keeps it, never the copy's prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
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
 * `isAuthorized: false` → 403, an authorizer that throws, answers no verdict or outlives its timeout → 500
 * (never an allow, and nothing cached: see `authorize`), verdicts cached per
 * identity source (the Authorization header and the route key) for the configured TTL; per-route throttling answers 429;
 * a function that throws or outlives its timeout → 500, no answer within the integration timeout → 503 (see `invoke`).
 */
export function createGateway(options: GatewayOptions): Server {
  const cache = new AuthorizerCache<SimpleAuthorizerResult>(options.authorizerCacheTtlSeconds, options.now);
  const routeTable = compileRoutes(options.routes);
  const keyHeader = options.keyHeader ?? 'authorization';
  const managementTimeoutMs = options.managementTimeoutMs ?? MANAGEMENT_FUNCTION_TIMEOUT_SECONDS * 1000;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const authorizerTimeoutMs = options.authorizerTimeoutMs ?? AUTHORIZER_TIMEOUT_MS;
  const buckets = new Map(
    options.throttle === false
      ? []
      : options.routes.flatMap((route) => (route.throttle ? [[route, new TokenBucket(route.throttle, options.now)] as const] : [])),
  );

  const cors = options.cors !== undefined && options.cors.allowOrigins.length > 0 ? options.cors : undefined;
  /** The allowed Origin of a cross-origin request, echoed back; undefined for any other request. */
  const allowedOrigin = (request: IncomingMessage): string | undefined => {
    const origin = request.headers.origin;
    return origin !== undefined && cors?.allowOrigins.includes(origin) === true ? origin : undefined;
  };

  async function respond(request: IncomingMessage): Promise<Answer> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    if (cors !== undefined && method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      return preflight(allowedOrigin(request), cors.rules);
    }
    const matched = matchRoute(routeTable, method, url.pathname);
    if (matched === undefined) {
      return gatewayError(404, 'Not Found');
    }
    const route = matched.route;
    const routeKey = `${route.method} ${route.path}`;
    const routeError = (status: number, message: string): Answer => ({ ...gatewayError(status, message), routeKey });
    let body: Buffer;
    try {
      body = await readBody(request, GATEWAY_MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return routeError(413, 'Request Entity Too Large');
      throw error;
    }
    if (buckets.get(route)?.take() === false) {
      return routeError(429, 'Too Many Requests');
    }
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
        return routeError(401, 'Unauthorized');
      }
      // As deployed: the route key is an identity source, so a verdict cached
      // for one route (with its required scope) never decides another.
      const identitySource = [identity, routeKey];
      let verdict = cache.get(identitySource);
      if (verdict === undefined) {
        verdict = await authorize(authorizerEvent(event, identitySource));
        if (verdict === undefined) return routeError(500, 'Internal Server Error');
        cache.set(identitySource, verdict);
      }
      if (!verdict.isAuthorized) {
        return routeError(403, 'Forbidden');
      }
      // Each request gets its own copy, as each Lambda invocation gets its own event.
      Object.assign(event.requestContext, { authorizer: { lambda: copyContext(verdict.context ?? {}) } });
    }

    const outcome = await invoke(route, event);
    if (outcome.kind === 'failed' || outcome.kind === 'function timed out') return routeError(500, 'Internal Server Error');
    if (outcome.kind === 'integration timed out') return routeError(503, 'Service Unavailable');
    const result = outcome.result;
    const headers: Record<string, string | string[]> = { 'apigw-requestid': event.requestContext.requestId };
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    if (cors !== undefined) {
      // As deployed: the function's own CORS headers are ignored, the configured ones added for an allowed origin.
      for (const name of Object.keys(headers)) if (name.startsWith('access-control-')) Reflect.deleteProperty(headers, name);
      const origin = allowedOrigin(request);
      if (origin !== undefined) {
        headers['access-control-allow-origin'] = origin;
        headers['access-control-expose-headers'] = cors.rules.exposeHeaders.join(',');
        headers.vary = 'origin';
      }
    }
    if (result.cookies !== undefined && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
    const payload = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    headers['content-length'] = String(payload.length);
    return { status: result.statusCode, headers, body: payload, routeKey };
  }

  /**
   * The authorizer's verdict, or undefined when API Gateway would answer 500: the function threw, returned
   * something other than a simple response, or was still running at its timeout (Lambda stops it; locally
   * it runs on and its late answer is dropped). An authorizer error is never an allow and, as deployed, is
   * not cached (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html).
   */
  async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<SimpleAuthorizerResult | undefined> {
    const outcome = await settleWithin(() => options.authorizer(event), authorizerTimeoutMs);
    return outcome.kind === 'answered' && isSimpleResult(outcome.value) ? outcome.value : undefined;
  }

  /**
   * Calls the route's function as Lambda would, with a context counting down
   * from its timeout, and waits no longer than the function may run or API
   * Gateway waits. What API Gateway (HTTP API, Lambda proxy integration)
   * answers when that fails:
   * - the function throws, or Lambda stops it at its timeout before the
   *   integration timeout (a function error, "Task timed out"): 500
   *   {"message":"Internal Server Error"}
   *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html;
   *   a timeout seen as that 500 from an HTTP API: https://github.com/denoland/deno_registry2/issues/87);
   * - no answer within the integration timeout (30 s, the most an HTTP API
   *   allows, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html),
   *   the function still running: 503 {"message":"Service Unavailable"}, as seen from deployed HTTP APIs
   *   (https://github.com/cortexlabs/cortex/issues/1225, https://github.com/anomalyco/sst/issues/2232,
   *   https://github.com/serverless/serverless/issues/11222).
   * Every function here is deployed with a timeout under 30 s (lambdas/runtime/function-timeouts.ts), so
   * for them it is the 500 (or, first, a management function's own 503 at its deadline); the 503 is for a
   * route that has no timeout of its own, or one of 30 s or more.
   * Locally the function is not killed: it runs on, and its late answer is dropped.
   */
  async function invoke(route: LocalRoute, event: APIGatewayProxyEventV2): Promise<Invocation> {
    const functionTimeoutMs = route.timeoutMs ?? (route.auth === 'accessToken' ? managementTimeoutMs : undefined);
    const waitMs = Math.min(functionTimeoutMs ?? Infinity, integrationTimeoutMs);
    const timedOut: Invocation =
      functionTimeoutMs !== undefined && functionTimeoutMs < integrationTimeoutMs
        ? { kind: 'function timed out' }
        : { kind: 'integration timed out' };
    const invokedAt = performance.now();
    const context: LocalLambdaContext = {
      functionName: route.function,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () =>
        Math.max(0, Math.round((functionTimeoutMs ?? integrationTimeoutMs) - (performance.now() - invokedAt))),
    };
    const outcome = await settleWithin(() => route.handler(event, context), waitMs);
    return outcome.kind === 'answered' ? { kind: 'answered', result: outcome.value } : outcome.kind === 'failed' ? outcome : timedOut;
  }

  const server = createServer((request, response) => {
    respond(request)
      .catch(() => gatewayError(500, 'Internal Server Error'))
      .then((answer) => {
        const sent = send(response, answer);
        const method = request.method ?? '';
        const path = request.url ?? '';
        options.onRequest?.({ method, path, status: sent.status });
        options.onResponse?.({ method, path, routeKey: sent.routeKey, status: sent.status, headers: sent.headers, body: sent.body });
      })
      .catch(() => undefined);
  });
  return server;
}

/**
 * `run()`'s outcome within `waitMs`: its value, its failure (a throw, even before it returns a promise), or
 * 'timed out'. A later settlement is dropped, a later rejection included (never an unhandled one).
 */
async function settleWithin<T>(
  run: () => Promise<T>,
  waitMs: number,
): Promise<{ readonly kind: 'answered'; readonly value: T } | { readonly kind: 'failed' } | { readonly kind: 'timed out' }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<T>((resolve) => {
        resolve(run());
      }).then(
        (value) => ({ kind: 'answered', value }) as const,
        () => ({ kind: 'failed' }) as const,
      ),
      new Promise<{ readonly kind: 'timed out' }>((resolve) => {
        if (!Number.isFinite(waitMs)) return;
        timer = setTimeout(() => {
          resolve({ kind: 'timed out' });
        }, waitMs);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

type Invocation =
  | { readonly kind: 'answered'; readonly result: FunctionResult }
  | { readonly kind: 'failed' }
  | { readonly kind: 'function timed out' }
  | { readonly kind: 'integration timed out' };

/**
 * API Gateway's answer to a CORS preflight, whatever the route: 204, with the
 * rules for an allowed origin and no CORS headers for any other (so the
 * browser refuses the request).
 */
function preflight(origin: string | undefined, rules: CorsRules): Answer {
  const headers: Record<string, string> = {
    'apigw-requestid': randomUUID(),
    ...(origin !== undefined
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': rules.allowMethods.join(','),
          'access-control-allow-headers': rules.allowHeaders.join(','),
          'access-control-max-age': String(rules.maxAgeSeconds),
          vary: 'origin',
        }
      : {}),
  };
  return { status: 204, headers, body: Buffer.alloc(0) };
}

/** Writes the answer; one Node refuses (a header a function set that HTTP does not allow) becomes a 500, as a failed function's. */
function send(response: ServerResponse, answer: Answer): Answer {
  try {
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
    return answer;
  } catch {
    const failed = { ...gatewayError(500, 'Internal Server Error'), routeKey: answer.routeKey };
    if (!response.headersSent) {
      response.writeHead(failed.status, failed.headers);
      response.end(failed.body);
    }
    return failed;
  }
}

/** Errors API Gateway itself produces have this shape: `{ "message": "..." }`. */
function gatewayError(status: number, message: string): Answer {
  const body = Buffer.from(JSON.stringify({ message }));
  return {
    status,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'apigw-requestid': randomUUID() },
    body,
  };
}
