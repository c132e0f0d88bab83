import { openApiDocument } from '../../../lambdas/openapi/document';
import { keyViewExample } from '../../../lambdas/openapi/examples';
import type { GatewayExchange } from '../../../local/gateway';
import { createResponseChecker } from '../../../local/openapi-response-check';

const JSON_TYPE = 'application/json; charset=utf-8';

function exchange(routeKey: string | undefined, status: number, body?: unknown, contentType = JSON_TYPE): GatewayExchange {
  return {
    method: routeKey?.split(' ')[0] ?? 'GET',
    path: '/somewhere',
    routeKey,
    status,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
  };
}

describe("the e2e suites' check of each answer against the OpenAPI document", () => {
  const checker = createResponseChecker(openApiDocument());

  it('accepts what a route is documented to answer: its success, its declared codes, API Gateway’s own errors', () => {
    expect(checker.check(exchange('GET /keys/{id}', 200, keyViewExample))).toBeUndefined();
    expect(checker.check(exchange('GET /keys/{id}', 404, { code: 'KEY_NOT_FOUND', message: 'No such key' }))).toBeUndefined();
    expect(checker.check(exchange('DELETE /keys/{id}', 204))).toBeUndefined();
    expect(checker.check(exchange('GET /whoami', 403, { message: 'Forbidden' }, 'application/json'))).toBeUndefined();
    expect(checker.check(exchange('POST /keys', 429, { message: 'Too Many Requests' }, 'application/json'))).toBeUndefined();
    expect(checker.check(exchange(undefined, 404, { message: 'Not Found' }, 'application/json'))).toBeUndefined();
  });

  it('leaves out what the document leaves out on purpose: the console files and CORS preflights', () => {
    expect(checker.check(exchange('GET /console/{proxy+}', 200, 'not json', 'text/html'))).toBeUndefined();
    expect(checker.check({ ...exchange(undefined, 204), method: 'OPTIONS' })).toBeUndefined();
  });

  it('refuses an undocumented status, an undeclared code, a body off its schema, a wrong content type, an unexpected body', () => {
    expect(checker.check(exchange('GET /keys/{id}', 418, { code: 'KEY_NOT_FOUND', message: 'x' }))).toMatch(/status 418 is not documented/);
    expect(checker.check(exchange('GET /keys/{id}', 409, { code: 'KEY_REVOKED', message: 'x' }))).toMatch(/409 is not documented/);
    // KEY_REVOKED is a 409, which GET /keys/{id} does not answer; a 404 must carry a code the route declares.
    expect(checker.check(exchange('GET /keys/{id}', 404, { code: 'CONSOLE_FILE_NOT_FOUND', message: 'x' }))).toMatch(/code/);
    const { enabled: _dropped, ...withoutEnabled } = keyViewExample;
    expect(checker.check(exchange('GET /keys/{id}', 200, withoutEnabled))).toMatch(/must have required property 'enabled'/);
    expect(checker.check(exchange('GET /keys/{id}', 200, { ...keyViewExample, secretHash: 'x' }))).toMatch(/additional properties/);
    expect(checker.check(exchange('GET /keys/{id}', 200, keyViewExample, 'text/plain'))).toMatch(/content type "text\/plain"/);
    expect(checker.check(exchange('DELETE /keys/{id}', 204, { revoked: true }))).toMatch(/no body/);
    expect(checker.check(exchange('GET /nowhere', 200, {}))).toMatch(/not in the document/);
    expect(checker.check(exchange(undefined, 500, { message: 'Internal Server Error' }))).toMatch(/no route/);
  });

  it('never quotes a secret in a violation: a key, a token, a secret, an assertion, an authorization, at any depth', () => {
    const SECRET = 'sekrit-value-1234';
    const secrets = {
      key: SECRET,
      Secret: SECRET,
      TOKEN: SECRET,
      access_token: SECRET,
      refresh_token: SECRET,
      id_token: SECRET,
      client_secret: SECRET,
      Assertion: SECRET,
      authorization: SECRET,
      nested: [{ Authorization: SECRET, device_token: SECRET }],
      message: 'kept',
    };
    const violations = [
      // Off the schema: 200 with a body GET /keys/{id} does not answer.
      checker.check(exchange('GET /keys/{id}', 200, { ...keyViewExample, ...secrets })),
      checker.check(exchange('POST /oauth/token', 200, secrets)),
      // No route: the body is quoted, and the query too.
      checker.check({ ...exchange(undefined, 500, secrets), path: `/nowhere?access_token=${SECRET}&client_secret=${SECRET}&page=2` }),
      checker.check({ ...exchange('GET /nowhere', 200, secrets), path: `/nowhere?token=${SECRET}` }),
      // Not a JSON object (text, a bare JSON string): its size only.
      checker.check({ ...exchange(undefined, 500, {}, 'text/plain'), body: Buffer.from(`key=${SECRET}`) }),
      checker.check(exchange(undefined, 500, `key=${SECRET}`)),
    ];
    for (const violation of violations) {
      expect(violation).toEqual(expect.any(String));
      expect(violation).not.toContain(SECRET);
    }
    expect(violations[0]).toContain('[redacted]');
    expect(violations[2]).toMatch(/no route.*\[redacted\].*kept/);
    expect(violations[2]).toContain('page=2');
  });
});
