import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { UNDOCUMENTED_ROUTES } from '../lambdas/openapi/route-docs';
import type { GatewayExchange } from './gateway';

type Json = Record<string, unknown>;

/**
 * Holds every answer of the local gateway to the OpenAPI document: the route must be in it, the status
 * documented for the route (or its `default`), and the body what that status's content says, of its media
 * type (none when it has no content). The console's files are outside the document on purpose, and a CORS
 * preflight is API Gateway's. Returns the problem in words, or undefined when the answer is described.
 */
export interface ResponseChecker {
  check(exchange: GatewayExchange): string | undefined;
}

const mediaType = (contentType: string | readonly string[] | undefined): string =>
  (typeof contentType === 'string' ? contentType : (contentType?.[0] ?? '')).split(';')[0]?.trim().toLowerCase() ?? '';

/**
 * The fields whose values a quoted body never shows, by name, case-insensitively: a new key, a token (`token`,
 * `access_token`, any `*_token` or `…Token`), a secret (`secret`, `client_secret`), an assertion, an authorization.
 */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['key', 'secret', 'token', 'client_secret', 'assertion', 'authorization']);
export const isSecretField = (name: string): boolean => {
  const lower = name.toLowerCase();
  return SECRET_FIELDS.has(lower) || lower.endsWith('token') || lower.endsWith('secret');
};

/** A body quoted in a violation, every secret field's value (at any depth) replaced. */
const redacted = (body: unknown): string =>
  JSON.stringify(body, (name, value: unknown) => (name !== '' && isSecretField(name) ? '[redacted]' : value));

/**
 * The raw body as a violation quotes it: redacted when a JSON object or array; otherwise (text, a bare JSON string)
 * only its size, as it may hold anything with no field name to judge it by.
 */
const quoted = (body: Buffer): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  return typeof parsed === 'object' && parsed !== null ? redacted(parsed).slice(0, 500) : `(${body.length} bytes, not a JSON object)`;
};

/** The request's path as a violation shows it: a query parameter named like a secret field has its value replaced. */
const shownPath = (path: string): string =>
  path.replace(/([?&])([^=&#]*)=([^&#]*)/g, (all, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // Not percent-encoded properly: judged as it is.
    }
    return isSecretField(decoded) ? `${sep}${name}=[redacted]` : all;
  });

const isJson = (media: string): boolean => media === 'application/json' || media.endsWith('+json');

export function createResponseChecker(document: Json): ResponseChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const components = document.components as Json;
  const paths = document.paths as Record<string, Record<string, Json> | undefined>;
  const validators = new Map<string, ValidateFunction>();
  // Each schema compiled with the document's components beside it, so its `#/components/schemas/...` refs resolve.
  const validatorFor = (id: string, schema: Json): ValidateFunction => {
    let validate = validators.get(id);
    if (validate === undefined) {
      validate = ajv.compile({ components, allOf: [schema] });
      validators.set(id, validate);
    }
    return validate;
  };

  return {
    check(exchange) {
      const { method, status, routeKey } = exchange;
      if (routeKey === undefined) {
        if (method === 'OPTIONS') return undefined;
        // No route matched: API Gateway's own 404, and nothing else, is the only answer there is.
        const body = exchange.body.toString('utf8');
        return status === 404 && body === '{"message":"Not Found"}'
          ? undefined
          : `${method} ${shownPath(exchange.path)} (no route) answered ${status} ${quoted(exchange.body)}`;
      }
      if (UNDOCUMENTED_ROUTES.has(routeKey)) return undefined;
      const [, path = ''] = /^\S+ (.*)$/.exec(routeKey) ?? [];
      const operation = paths[path]?.[method.toLowerCase()];
      const where = `${routeKey} (${shownPath(exchange.path)}) -> ${status}`;
      if (operation === undefined) return `${where}: the route is not in the document`;
      const responses = operation.responses as Record<string, Json | undefined>;
      const documented = responses[String(status)] ?? responses.default;
      if (documented === undefined) return `${where}: status ${status} is not documented for the route`;
      const content = documented.content as Record<string, { schema: Json } | undefined> | undefined;
      if (content === undefined) {
        return exchange.body.length === 0 ? undefined : `${where}: the document says no body, got ${exchange.body.length} bytes`;
      }
      const media = mediaType(exchange.headers['content-type']);
      const described = content[media];
      if (described === undefined) return `${where}: content type "${media}" is not one of ${Object.keys(content).join(', ')}`;
      if (!isJson(media)) return undefined;
      let body: unknown;
      try {
        body = JSON.parse(exchange.body.toString('utf8'));
      } catch {
        return `${where}: the body is not JSON`;
      }
      const validate = validatorFor(`${routeKey} ${status} ${media}`, described.schema);
      if (validate(body)) return undefined;
      return `${where}: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}; body ${redacted(body).slice(0, 500)}`;
    },
  };
}
