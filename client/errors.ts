import { ERROR_CODES, type ErrorCode } from '../lambdas/domain/errors';
import type { OAuthErrorCode } from '../lambdas/domain/token-request';
import type { INTERNAL_ERROR } from '../lambdas/http/error-status';
import type { EdgeErrorCode as EdgeAnswerCode } from '../lambdas/openapi/edge-answers';

export type { ErrorCode, OAuthErrorCode };

/** A code the API answers with in `{ code, message }`: the server's own list, so client and server cannot disagree. */
export type ServerErrorCode = ErrorCode | typeof INTERNAL_ERROR.code;

/**
 * The client's own, when there is no usable answer: none at all, a redirect (never followed), or a body that is
 * not the API's; or no request at all: a token or key that cannot be sent in a header (INVALID_CREDENTIAL),
 * another value fetch refuses (MALFORMED_REQUEST), or a URL that is no place for a credential (INSECURE_ENDPOINT).
 * None of the last three is worth retrying, and none's message holds the value.
 */
export type TransportErrorCode =
  | 'NETWORK_ERROR'
  | 'REDIRECT_REFUSED'
  | 'INVALID_RESPONSE'
  | 'INVALID_CREDENTIAL'
  | 'MALFORMED_REQUEST'
  /**
   * An endpoint or identity provider URL a token or key must not be sent to, refused before any request: plain
   * http to a host that is not this machine (localhost, 127.0.0.0/8, [::1]), which would carry it in
   * cleartext; a `user:password@` in it; not http(s), or not a URL at all. The message names the URL's scheme and
   * host only, and says to use https. Not worth retrying: the URL must change.
   */
  | 'INSECURE_ENDPOINT';

/** How a device login (`deviceLogin()`) failed. */
export type LoginErrorCode = 'IDP_UNREACHABLE' | 'LOGIN_REFUSED' | 'LOGIN_EXPIRED' | 'LOGIN_DENIED' | 'LOGIN_FAILED';

/** An error answer with no code this client knows: the gateway's own `{ message }` (401, 403, 404), or a newer server's code. */
export type HttpStatusErrorCode = `HTTP_${number}`;

/**
 * The optional edge's own (its WAF, lib/edge-firewall.ts, when deployed): a request the firewall refused (403,
 * `REQUEST_BLOCKED`). Its rate limit answers `RATE_LIMITED`, a server code already.
 */
export type EdgeErrorCode = Exclude<EdgeAnswerCode, ServerErrorCode>;

export type ApiErrorCode = ServerErrorCode | EdgeErrorCode | OAuthErrorCode | TransportErrorCode | LoginErrorCode | HttpStatusErrorCode;

export interface ApiErrorDetails {
  readonly code: ApiErrorCode;
  readonly status?: number | undefined;
  readonly retryAfterSeconds?: number | undefined;
  readonly serverCode?: string | undefined;
  readonly mayHaveSucceeded?: boolean | undefined;
  readonly cause?: unknown;
}

/**
 * Every failure of this library: a refusal by the API or the identity provider, or no usable answer.
 * The message is the server's own words (or says what went wrong on the way); it never holds a token or key.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  /** The HTTP status of the answer; undefined when there was none. */
  readonly status: number | undefined;
  /** On a 429 or 503: when the server said to try again (Retry-After), in seconds. */
  readonly retryAfterSeconds: number | undefined;
  /** The code exactly as the server sent it, when it is not one this client knows (then `code` is `HTTP_<status>`). */
  readonly serverCode: string | undefined;
  /**
   * True when a create or rotate lost every answer: the server may have made the key all the same.
   * Calling again with the same `idempotencyKey` is safe: it answers with that key, or makes it once.
   */
  readonly mayHaveSucceeded: boolean;

  constructor(message: string, details: ApiErrorDetails) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.code = details.code;
    this.status = details.status;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.serverCode = details.serverCode;
    this.mayHaveSucceeded = details.mayHaveSucceeded ?? false;
  }
}

/** `error` is an ApiError (with `code`, when given). */
export function isApiError(error: unknown, code?: ApiErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

const SERVER_CODES: ReadonlySet<string> = new Set<ServerErrorCode | EdgeErrorCode>([...ERROR_CODES, 'INTERNAL_ERROR', 'REQUEST_BLOCKED']);
const OAUTH_CODES: ReadonlySet<string> = new Set<OAuthErrorCode>([
  'invalid_request',
  'invalid_client',
  'unsupported_grant_type',
  'invalid_scope',
]);

/** The code of an error answer: the API's `code`, or OAuth's `error` (RFC 6749 §5.2), when known; else `HTTP_<status>`. */
export function errorCodeOf(body: unknown, status: number): { code: ApiErrorCode; serverCode?: string } {
  const { code, error } = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; error?: unknown };
  const sent = typeof code === 'string' ? code : typeof error === 'string' ? error : undefined;
  if (sent !== undefined && (SERVER_CODES.has(sent) || OAUTH_CODES.has(sent))) return { code: sent as ApiErrorCode };
  return { code: `HTTP_${status}`, ...(sent !== undefined ? { serverCode: sent } : {}) };
}

/** The words of an error answer: the API's `message`, or OAuth's `error_description`. */
export function errorMessageOf(body: unknown, status: number): string {
  const { message, error_description: description } = (typeof body === 'object' && body !== null ? body : {}) as {
    message?: unknown;
    error_description?: unknown;
  };
  if (typeof message === 'string' && message !== '') return message;
  if (typeof description === 'string' && description !== '') return description;
  return `HTTP ${status}`;
}
