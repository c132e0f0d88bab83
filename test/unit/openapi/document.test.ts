import { spawnSync } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ROUTES } from '../../../lambdas/api-definition';
import { ERROR_STATUS } from '../../../lambdas/http/error-status';
import { documentedRoutes, openApiDocument, routeKey } from '../../../lambdas/openapi/document';
import { ROUTE_DOCS } from '../../../lambdas/openapi/route-docs';
import { lambdaOpenApiDocument } from '../../../lambdas/runtime/openapi-wiring';
import { ConfigError } from '../../../lambdas/settings/config-error';
import { errorCodeOf } from '../../../client/errors';
import { EDGE_BLOCK_BODIES } from '../../../lib/edge-firewall';
import { EDGE_ANSWERS } from '../../../lambdas/openapi/edge-answers';

type Json = Record<string, any>;

/**
 * The maintained validator (@seriousme/openapi-schema-validator) is ESM only, which jest on Node 20 cannot
 * require: it runs in a child Node, given the document on stdin.
 */
function validate(document: unknown): { valid: boolean; errors?: unknown } {
  const script =
    "import { Validator } from '@seriousme/openapi-schema-validator';" +
    "let text = ''; process.stdin.on('data', (c) => (text += c)); process.stdin.on('end', async () => {" +
    'const result = await new Validator().validate(JSON.parse(text)); process.stdout.write(JSON.stringify(result)); });';
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(document), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the validator failed to run: ${run.stderr}`);
  return JSON.parse(run.stdout) as { valid: boolean; errors?: unknown };
}

const operations = (document: Json): [string, string, Json][] =>
  Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, op]) => [`${method.toUpperCase()} ${path}`, method, op as Json] as [string, string, Json]),
  );

describe('the OpenAPI document', () => {
  const document = openApiDocument() as Json;

  it('is a valid OpenAPI 3.1 document, by a maintained validator', () => {
    expect(validate(document)).toEqual({ valid: true });
  });

  it('fails that validator once broken (an operation without responses, a parameter without `in`)', () => {
    const broken = structuredClone(document);
    delete broken.paths['/keys'].get.responses;
    delete broken.paths['/keys'].get.parameters[0].in;
    const result = validate(broken);
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result.errors)).toMatch(/responses|in/);
  });

  it('describes every route but the console files, the webhook marked as served only when configured', () => {
    const described = operations(document).map(([key]) => key);
    const expected = documentedRoutes().map(routeKey);
    expect(described.sort()).toEqual(expected.sort());
    expect(described).toContain('POST /auth0/events');
    expect(described).toContain('GET /openapi.json');
    expect(described).toContain('POST /secret-scanning/github');
    expect(described.filter((key) => key.includes('/console'))).toEqual([]);
    expect(ROUTES.filter((route) => !described.includes(routeKey(route))).map(routeKey)).toEqual(['GET /console', 'GET /console/{proxy+}']);
    expect(document.paths['/auth0/events'].post['x-served-only-when']).toMatch(/auth0EventsWebhook/);
  });

  it("lists each route's declared error codes under the one status ERROR_STATUS gives each", () => {
    for (const [key, , op] of operations(document)) {
      for (const code of ROUTE_DOCS[key]!.errors) {
        const answer = op.responses[String(ERROR_STATUS[code].status)];
        expect({ key, code, documented: JSON.stringify(answer?.content?.['application/json']?.schema).includes(`"${code}"`) }).toEqual({
          key,
          code,
          documented: true,
        });
      }
    }
    const rateLimited = document.paths['/keys'].post.responses['429'];
    expect(Object.keys(rateLimited.headers)).toEqual(['Retry-After']);
    expect(Object.keys(document.paths['/keys'].post.responses['201'].headers)).toEqual(['Idempotent-Replayed']);
  });

  it('takes the parameters and headers with the bounds the parsers check', () => {
    const list = document.paths['/keys'].get.parameters as Json[];
    expect(list.map((p) => [p.name, p.in])).toEqual([
      ['limit', 'query'],
      ['cursor', 'query'],
      ['status', 'query'],
    ]);
    expect(list[0]!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    expect(list[2]).toMatchObject({ style: 'form', explode: false, schema: { type: 'array' } });
    const idempotencyKey = (document.paths['/keys'].post.parameters as Json[]).find((p) => p.name === 'Idempotency-Key');
    expect(idempotencyKey).toMatchObject({ in: 'header', schema: { minLength: 8 } });
    expect(document.components.schemas.CreateKeyRequest).toMatchObject({
      additionalProperties: false,
      required: ['name'],
      properties: { name: { maxLength: 100 }, scopes: { maxItems: 20 } },
    });
    expect(document.components.schemas.RotateKeyRequest.properties.gracePeriodSeconds).toMatchObject({ minimum: 0, maximum: 604800 });
  });

  it('has an example for every route, request and answer, each valid against its schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const check = (where: string, schema: Json, value: unknown) => {
      const valid = ajv.validate({ components: document.components, allOf: [schema] }, value);
      expect({ where, errors: valid ? null : ajv.errorsText() }).toEqual({ where, errors: null });
    };
    for (const [key, , op] of operations(document)) {
      const success = Object.entries(op.responses as Json).find(([status]) => status.startsWith('2'))!;
      const media = success[1].content as Json | undefined;
      if (key !== 'DELETE /keys/{id}' && key !== 'GET /openapi.json')
        expect({ key, examples: media !== undefined }).toEqual({ key, examples: true });
      for (const [status, answer] of Object.entries(op.responses as Json)) {
        for (const [type, content] of Object.entries((answer as Json).content ?? {})) {
          for (const [name, example] of Object.entries((content as Json).examples ?? {})) {
            check(`${key} ${status} ${type} ${name}`, (content as Json).schema, (example as Json).value);
          }
        }
      }
      for (const [type, content] of Object.entries(op.requestBody?.content ?? {})) {
        for (const example of Object.values((content as Json).examples ?? {}))
          check(`${key} request ${type}`, (content as Json).schema, (example as Json).value);
      }
      if (ROUTE_DOCS[key]!.body !== undefined) expect(op.requestBody.content).toBeDefined();
    }
    // The document describes itself.
    check('GET /openapi.json', document.paths['/openapi.json'].get.responses['200'].content['application/json'].schema, document);
  });

  it("documents, on every route, the stage throttle's 429 and the edge's own 429 and 403 (when deployed)", () => {
    // The copy the served document holds is the web ACL's: same bodies, the rate rule's at 429, the rule set's at 403.
    expect(Object.values(EDGE_ANSWERS).map((answer) => answer.body)).toEqual(
      expect.arrayContaining([EDGE_BLOCK_BODIES['rate-limited'], EDGE_BLOCK_BODIES.blocked]),
    );
    expect(EDGE_ANSWERS[429].body).toEqual(EDGE_BLOCK_BODIES['rate-limited']);
    expect(EDGE_ANSWERS[403].body).toEqual(EDGE_BLOCK_BODIES.blocked);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const accepts = (op: Json, status: number, body: unknown) =>
      ajv.validate({ components: document.components, allOf: [op.responses[String(status)].content['application/json'].schema] }, body);
    for (const [key, , op] of operations(document)) {
      expect({ key, throttled: accepts(op, 429, { message: 'Too Many Requests' }) }).toEqual({ key, throttled: true });
      expect({ key, edgeRate: accepts(op, 429, EDGE_BLOCK_BODIES['rate-limited']) }).toEqual({ key, edgeRate: true });
      expect({ key, edgeBlocked: accepts(op, 403, EDGE_BLOCK_BODIES.blocked) }).toEqual({ key, edgeBlocked: true });
      expect(op.responses['403'].description).toMatch(/when the edge \(WAF\) is deployed/i);
      // The edge's code stays at its own status.
      expect({ key, misplaced: accepts(op, 429, EDGE_BLOCK_BODIES.blocked) }).toEqual({ key, misplaced: false });
    }
    // The client knows the edge's code as itself.
    expect(errorCodeOf(EDGE_BLOCK_BODIES.blocked, 403)).toEqual({ code: 'REQUEST_BLOCKED' });
  });

  it("describes API keys in the key's header: Authorization (Bearer or Basic) by default, a header of one's own when set", () => {
    expect(document.paths['/whoami'].get.security).toEqual([{ apiKey: [] }, { apiKeyBasic: [] }]);
    expect(document.paths['/keys'].get.security).toEqual([{ auth0: [] }]);
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const custom = lambdaOpenApiDocument({ KEY_HEADER: 'x-api-key' }) as Json;
    expect(custom.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    expect(custom.paths['/whoami'].get.security).toEqual([{ apiKey: [] }]);
    expect(validate(custom)).toEqual({ valid: true });
    expect(() => lambdaOpenApiDocument({ KEY_HEADER: 'Not A Header' })).toThrow(ConfigError);
  });
});
