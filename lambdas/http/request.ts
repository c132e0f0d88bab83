import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { RequestTooLargeError, ValidationError } from '../domain/errors';

/** API Gateway passes bodies of up to 10 MB; the handlers accept far less, and say so. */
export const MAX_BODY_BYTES = 16 * 1024;

export function header(event: { headers?: Record<string, string | undefined> }, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

/** The body's bytes: API Gateway passes some content types base64-encoded (`isBase64Encoded`). */
export function bodyBytes(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer | undefined {
  if (event.body === undefined) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/** Parses a JSON body; 413 over the size cap, 400 when absent or not JSON. */
export function readJsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): unknown {
  const raw = event.body === '' ? undefined : bodyBytes(event);
  if (raw === undefined) {
    throw new ValidationError('A JSON request body is required', 'MISSING_BODY');
  }
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new RequestTooLargeError(MAX_BODY_BYTES);
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('The request body is not valid JSON', 'INVALID_JSON');
  }
}

/** As readJsonBody, for routes whose body may be left out: absent is `undefined`. */
export function readOptionalJsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): unknown {
  return event.body === undefined || event.body === '' ? undefined : readJsonBody(event);
}

export function pathParameter(event: Pick<APIGatewayProxyEventV2, 'pathParameters'>, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') {
    throw new ValidationError(`Missing path parameter "${name}"`);
  }
  return value;
}
