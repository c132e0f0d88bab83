import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError } from '../domain/errors';

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

/** The one place errors become HTTP: `{ code, message }` for expected errors, a bare 500 otherwise. */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof ApiError) {
    const response = jsonResponse(error.status, { code: error.code, message: error.message });
    if (error.status === 401) {
      response.headers = { ...response.headers, 'www-authenticate': 'Bearer' };
    }
    if (error.status === 503) {
      response.headers = { ...response.headers, 'retry-after': '1' };
    }
    return response;
  }
  return jsonResponse(500, { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' });
}
