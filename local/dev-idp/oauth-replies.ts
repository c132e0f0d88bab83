import type { ServerResponse } from 'node:http';
import { sendJson } from '../http-util';

/** Token and device-code answers must not be cached (RFC 6749 section 5.1). */
export const NO_STORE = { 'cache-control': 'no-store' } as const;

/** An OAuth error body: `{ error, error_description }`. */
export function sendOAuthError(
  response: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { error, error_description: description }, headers);
}

export function sendUnreadableBody(response: ServerResponse): void {
  sendOAuthError(response, 400, 'invalid_request', 'Send a JSON or form-encoded body');
}
