import { createOpenApiHandler } from '../handlers/openapi';
import { lambdaOpenApiDocument } from '../runtime/openapi-wiring';

export const handler = createOpenApiHandler(lambdaOpenApiDocument());
