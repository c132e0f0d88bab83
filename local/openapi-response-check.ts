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

/** A body quoted in a violation, without the secrets an answer may carry (a new key, an access token). */
const redacted = (body: unknown): string =>
  JSON.stringify(body, (name, value: unknown) => (name === 'key' || name === 'access_token' ? '[redacted]' : value));

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
          : `${method} ${exchange.path} (no route) answered ${status} ${body}`;
      }
      if (UNDOCUMENTED_ROUTES.has(routeKey)) return undefined;
      const [, path = ''] = /^\S+ (.*)$/.exec(routeKey) ?? [];
      const operation = paths[path]?.[method.toLowerCase()];
      const where = `${routeKey} (${exchange.path}) -> ${status}`;
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
