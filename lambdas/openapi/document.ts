import * as z from 'zod';
import { version } from '../../package.json';
import { AUTH0_WEBHOOK_ROUTE, ROUTES, type RouteDefinition } from '../api-definition';
import { ERROR_STATUS, INTERNAL_ERROR, type ErrorCode } from '../http/error-status';
import type { OpenApiDocumentBody } from '../http/response-schemas';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './components';
import { EDGE_ANSWERS } from './edge-answers';
import { ROUTE_DOCS, UNDOCUMENTED_ROUTES, type ParameterDoc, type ResponseHeader, type RouteDoc } from './route-docs';

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  /** KEY_HEADER: the header API keys come in (default `authorization`), which decides the keys' security scheme. */
  readonly keyHeader?: string | undefined;
}

const SCHEMA_REF = '#/components/schemas/';
const ref = (name: string): Json => ({ $ref: `${SCHEMA_REF}${name}` });

/** zod's JSON Schema, as an OpenAPI 3.1 Schema Object (JSON Schema 2020-12, the document's default dialect). */
function cleaned(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(cleaned);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = {};
  for (const [name, value] of Object.entries(schema)) {
    // `$schema`/`$id` are the document's to set; `readOnly` comes from zod's `.readonly()`, a TypeScript matter
    // here, and in OpenAPI would mean "not sent in a request".
    if (name === '$schema' || name === '$id' || name === 'readOnly') continue;
    out[name] = cleaned(value);
  }
  return out;
}

function convertAll(schemas: Readonly<Record<string, z.ZodType>>, io: 'input' | 'output'): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, { io, target: 'draft-2020-12', uri: (id) => `${SCHEMA_REF}${id}` });
  return Object.fromEntries(Object.entries(converted).map(([id, schema]) => [id, cleaned(schema)]));
}

const convertOne = (schema: z.ZodType): unknown => cleaned(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }));

const HEADERS: Readonly<Record<ResponseHeader | 'Retry-After', Json>> = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } },
  'Idempotent-Replayed': {
    description: 'Sent, `true`, when the answer is the first answer to this Idempotency-Key, answered again',
    schema: { type: 'string', enum: ['true'] },
  },
  'Cache-Control': { schema: { type: 'string' } },
  Pragma: { schema: { type: 'string', enum: ['no-cache'] } },
  'WWW-Authenticate': { description: 'The scheme to authenticate with (RFC 9110 §11.6.1)', schema: { type: 'string' } },
};
const headerRefs = (names: readonly string[]): Json | undefined =>
  names.length === 0 ? undefined : Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

/** What API Gateway itself answers on a route (the function never sees these requests, or failed them). */
function gatewayAnswers(route: RouteDefinition): Record<number, string> {
  return {
    ...(route.auth === 'apiKey' ? { 401: 'Unauthorized', 403: 'Forbidden' } : {}),
    // Deployed, API Gateway's JWT authorizer checks the Auth0 token first (lib/key-api.ts): its refusal is its own.
    ...(route.auth === 'accessToken' ? { 401: 'Unauthorized' } : {}),
    // Its payload limit, 10 MB: far above what any function takes (they answer their own 413 first).
    ...(route.method === 'POST' || route.method === 'PATCH' ? { 413: 'Request Entity Too Large' } : {}),
    // The stage's default throttle (throttleRateLimit, throttleBurstLimit) holds on every route, the routes' own
    // `throttle` on top (lib/key-api.ts): either answers this.
    429: 'Too Many Requests',
    500: 'Internal Server Error',
  };
}

/** The edge's own blocks (lambdas/openapi/edge-answers.ts), on every path when it is deployed. */
function edgeAlternatives(): [number, Alternative][] {
  return Object.entries(EDGE_ANSWERS).map(([status, { body, meaning }]) => [
    Number(status),
    {
      description: `When the edge (WAF) is deployed, its own \`${JSON.stringify(body)}\`: ${meaning}`,
      contentType: 'application/json',
      schema: { allOf: [ref('EdgeError'), { type: 'object', properties: { code: { const: body.code } } }] },
      example: body,
      headers: [],
    },
  ]);
}

interface Alternative {
  readonly description: string;
  readonly contentType?: string | undefined;
  readonly schema?: unknown;
  readonly example?: unknown;
  readonly headers: readonly string[];
}

function errorAlternative(codes: readonly (ErrorCode | typeof INTERNAL_ERROR.code)[]): Alternative {
  const meaning = (code: ErrorCode | typeof INTERNAL_ERROR.code) =>
    code === INTERNAL_ERROR.code ? 'a fault of ours' : ERROR_STATUS[code].meaning;
  const headers = new Set<string>();
  for (const code of codes) {
    if (code === 'RATE_LIMITED') headers.add('Retry-After');
    if (code !== INTERNAL_ERROR.code) for (const name of Object.keys(ERROR_STATUS[code].headers)) headers.add(canonical(name));
  }
  const first = codes[0] ?? INTERNAL_ERROR.code;
  return {
    description: codes.map((code) => `\`${code}\`: ${meaning(code)}`).join('; '),
    contentType: 'application/json',
    schema: { allOf: [ref('Error'), { type: 'object', properties: { code: { enum: [...codes] } } }] },
    example: { code: first, message: first === INTERNAL_ERROR.code ? INTERNAL_ERROR.message : meaning(first) },
    headers: [...headers],
  };
}

const canonical = (header: string): string =>
  header.replace(/(^|-)([a-z])/g, (_all, dash: string, letter: string) => dash + letter.toUpperCase()).replace(/^Www-/, 'WWW-');

/** One status's Response Object: its alternatives (an answer, the function's errors, API Gateway's) as one `anyOf`. */
function response(alternatives: readonly Alternative[]): Json {
  const headers = [...new Set(alternatives.flatMap((alternative) => alternative.headers))];
  const withBody = alternatives.filter((alternative) => alternative.schema !== undefined);
  const content: Json = {};
  for (const contentType of new Set(withBody.map((alternative) => alternative.contentType ?? 'application/json'))) {
    const these = withBody.filter((alternative) => (alternative.contentType ?? 'application/json') === contentType);
    const schemas = these.map((alternative) => alternative.schema);
    const examples = these.flatMap((alternative, index): [string, Json][] =>
      alternative.example === undefined ? [] : [[`example${index + 1}`, { value: alternative.example }]],
    );
    content[contentType] = {
      schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas },
      ...(examples.length > 0 ? { examples: Object.fromEntries(examples) } : {}),
    };
  }
  const headerObject = headerRefs(headers);
  return {
    description: alternatives.map((alternative) => alternative.description).join('. Or: '),
    ...(headerObject !== undefined ? { headers: headerObject } : {}),
    ...(withBody.length > 0 ? { content } : {}),
  };
}

function responses(route: RouteDefinition, doc: RouteDoc): Json {
  const byStatus = new Map<number, Alternative[]>();
  const add = (status: number, alternative: Alternative) => byStatus.set(status, [...(byStatus.get(status) ?? []), alternative]);
  for (const [status, answer] of Object.entries(doc.answers)) {
    add(Number(status), {
      description: answer.description,
      contentType: answer.contentType,
      schema: answer.schema === undefined ? undefined : ref(answer.schema),
      example: answer.example,
      headers: answer.headers ?? [],
    });
  }
  const codesByStatus = new Map<number, (ErrorCode | typeof INTERNAL_ERROR.code)[]>();
  for (const code of [...doc.errors, INTERNAL_ERROR.code] as const) {
    const status = code === INTERNAL_ERROR.code ? INTERNAL_ERROR.status : ERROR_STATUS[code].status;
    codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of codesByStatus) add(status, errorAlternative(codes));
  for (const [status, message] of Object.entries(gatewayAnswers(route))) {
    add(Number(status), {
      description: `API Gateway's own \`{"message":"${message}"}\``,
      schema: ref('GatewayError'),
      example: { message },
      headers: [],
    });
  }
  for (const [status, alternative] of edgeAlternatives()) add(status, alternative);
  return Object.fromEntries(
    [...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, alternatives]) => [String(status), response(alternatives)]),
  );
}

function parameter(doc: ParameterDoc): Json {
  return {
    name: doc.name,
    in: doc.in,
    ...(doc.required === true ? { required: true } : {}),
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    // Style `form` with `explode: false` is `status=active,disabled` (https://spec.openapis.org/oas/v3.1.1.html#style-examples).
    ...(doc.commaSeparated === true ? { style: 'form', explode: false } : {}),
    schema: convertOne(doc.schema),
  };
}

function securitySchemes(keyHeader: string): Json {
  const keyForms =
    'the key as `Bearer <key>`, `Basic base64(<key id>:<key>)` (or an imported Stormpath pair), or `Bearer <access token>` from `POST /oauth/token`';
  return {
    auth0: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: "An Auth0 access token for this API's audience; the owner is its `sub`",
    },
    ...(keyHeader === 'authorization'
      ? {
          apiKey: { type: 'http', scheme: 'bearer', description: `An API key: ${keyForms}` },
          apiKeyBasic: { type: 'http', scheme: 'basic', description: 'An API key as Basic credentials: its id, then the whole key' },
        }
      : {
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: keyHeader,
            description: `An API key in \`${keyHeader}\`: the key alone, or ${keyForms}`,
          },
        }),
    clientCredentials: {
      type: 'http',
      scheme: 'basic',
      description: 'OAuth client authentication (RFC 6749 §2.3.1): the key id and the whole key, or an imported Stormpath pair',
    },
    auth0StreamToken: { type: 'http', scheme: 'bearer', description: "The token the stack generated for Auth0's stream" },
  };
}

function security(route: RouteDefinition, keyHeader: string): Json[] {
  if (route.auth === 'accessToken') return [{ auth0: [] }];
  if (route.auth === 'apiKey') return keyHeader === 'authorization' ? [{ apiKey: [] }, { apiKeyBasic: [] }] : [{ apiKey: [] }];
  // The token exchange: Basic, or client_id and client_secret in the form, which is no security scheme: `{}` makes the
  // requirement optional (https://spec.openapis.org/oas/v3.1.1.html#security-requirement-object).
  if (route.function === 'token') return [{ clientCredentials: [] }, {}];
  if (route.function === 'auth0Webhook') return [{ auth0StreamToken: [] }];
  return [];
}

function operation(route: RouteDefinition, doc: RouteDoc, keyHeader: string): Json {
  return {
    operationId: route.function,
    summary: doc.summary,
    description: doc.servedWhen === undefined ? doc.description : `${doc.description}\n\nServed only when ${doc.servedWhen}.`,
    tags: [doc.tag],
    security: security(route, keyHeader),
    ...(doc.parameters !== undefined ? { parameters: doc.parameters.map(parameter) } : {}),
    ...(doc.body !== undefined
      ? {
          requestBody: {
            required: doc.body.required,
            content: { [doc.body.contentType]: { schema: ref(doc.body.schema), examples: { example1: { value: doc.body.example } } } },
          },
        }
      : {}),
    responses: responses(route, doc),
    ...(doc.servedWhen !== undefined ? { 'x-served-only-when': doc.servedWhen } : {}),
  };
}

/** The routes the document describes: every route served, the optional webhook too, the console's files not. */
export function documentedRoutes(): RouteDefinition[] {
  return [...ROUTES, AUTH0_WEBHOOK_ROUTE].filter((route) => !UNDOCUMENTED_ROUTES.has(routeKey(route)));
}

export const routeKey = (route: Pick<RouteDefinition, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** The OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.1) of every route but the console's files. */
export function openApiDocument(options: OpenApiOptions = {}): OpenApiDocumentBody {
  const keyHeader = options.keyHeader ?? 'authorization';
  const routes = documentedRoutes();
  const described = new Set(routes.map(routeKey));
  const stale = Object.keys(ROUTE_DOCS).filter((key) => !described.has(key));
  if (stale.length > 0) throw new Error(`ROUTE_DOCS describes routes that are not served: ${stale.join(', ')}`);
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const doc = ROUTE_DOCS[routeKey(route)];
    if (doc === undefined) throw new Error(`${routeKey(route)} has no entry in lambdas/openapi/route-docs.ts`);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, doc, keyHeader);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'User API keys',
      version,
      description:
        'User-scoped API keys for APIs that use Auth0. Errors from the functions are `{ code, message }`, each code with one status; ' +
        'errors made by API Gateway itself are `{ message }`; when the optional edge (CloudFront and WAF) is deployed, its blocks ' +
        'are `{ code, message }` too, with `RATE_LIMITED` (429) or `REQUEST_BLOCKED` (403).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // No `servers`: absent, the OpenAPI Object's default is one server at `/`, relative to where the document is served
    // (https://spec.openapis.org/oas/v3.1.1.html#openapi-object, #server-object).
    tags: ['Keys', 'Support staff', 'API keys', 'Token exchange', 'Public', 'Reports'].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...convertAll(REQUEST_SCHEMAS, 'input'), ...convertAll(RESPONSE_SCHEMAS, 'output') },
      headers: HEADERS,
      securitySchemes: securitySchemes(keyHeader),
    },
  };
}
