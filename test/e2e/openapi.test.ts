import { openApiDocument } from '../../lambdas/openapi/document';
import { startTestSystem, type TestSystem } from '../support/local-system';

/** GET /openapi.json through the local gateway, as the stack serves it: public, the document the code generates. */
describe('GET /openapi.json', () => {
  let system: TestSystem;
  afterEach(() => system.stop());

  it('serves the generated document without auth, cacheable', async () => {
    system = await startTestSystem();
    const { status, body, headers } = await system.call('/openapi.json');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toBe('public, max-age=300');
    expect(body).toEqual(openApiDocument());
  });

  it("describes the key's header the gateway reads (KEY_HEADER)", async () => {
    system = await startTestSystem({ keyHeader: 'x-api-key' });
    const { body } = await system.call('/openapi.json');
    expect(body.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });
});
