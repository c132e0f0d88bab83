import type { OpenApiDocumentBody } from '../http/response-schemas';
import type { HttpResponse } from '../http/responses';

/** Public and the same for everyone until the next deploy: caches may keep it a few minutes. */
export const OPENAPI_CACHE_CONTROL = 'public, max-age=300';

/** GET /openapi.json: the API's OpenAPI 3.1 document, serialized once. */
export function createOpenApiHandler(document: OpenApiDocumentBody): () => Promise<HttpResponse> {
  const body = JSON.stringify(document);
  return () =>
    Promise.resolve({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': OPENAPI_CACHE_CONTROL },
      body,
    });
}
