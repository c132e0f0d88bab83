import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isDomainError, RateLimitedError } from '../domain/errors';
import { ERROR_STATUS, INTERNAL_ERROR } from './error-status';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
} as const;

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

export function emptyResponse(statusCode: number): HttpResponse {
  return { statusCode, headers: { 'cache-control': 'no-store' } };
}

/** The one place errors become HTTP: `{ code, message }` with the code's status for expected errors, a bare 500 otherwise. */
export function errorResponse(error: unknown): HttpResponse {
  if (isDomainError(error)) {
    const { status, headers } = ERROR_STATUS[error.code];
    const response = jsonResponse(status, { code: error.code, message: error.message });
    const retryAfter = error instanceof RateLimitedError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    return { ...response, headers: { ...response.headers, ...headers, ...retryAfter } };
  }
  return jsonResponse(INTERNAL_ERROR.status, { code: INTERNAL_ERROR.code, message: INTERNAL_ERROR.message });
}
