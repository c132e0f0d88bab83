import type { OpenApiDocumentBody } from '../http/response-schemas';
import { openApiDocument } from '../openapi/document';
import { environmentReader, loadSettings } from '../settings/load';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The document as this deployment serves it, built once at cold start from the bundled schemas (never a file).
 * Its one setting is the key's header (KEY_HEADER, as the authorizer reads it), which decides the keys' security scheme.
 */
export function lambdaOpenApiDocument(env: Env = process.env): OpenApiDocumentBody {
  const { keyHeader } = loadSettings('openapi', environmentReader(env));
  return openApiDocument({ keyHeader });
}
