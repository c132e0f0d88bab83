import { isKeyId } from './key-ids';

/**
 * One error hierarchy for the whole service, with nothing of HTTP in it: each
 * error a client may see carries a stable code from the closed `ErrorCode`
 * set. lambdas/http/error-status.ts is the one place that gives each code its
 * status (as aws-jwt-verify's errors know nothing of transport).
 */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'MISSING_BODY',
  'INVALID_JSON',
  'INVALID_CURSOR',
  'SCOPE_NOT_ALLOWED',
  'IDEMPOTENCY_KEY_REUSED',
  'MISSING_TOKEN',
  'INVALID_TOKEN',
  'MISSING_SIGNATURE',
  'INVALID_SIGNATURE',
  'INSUFFICIENT_SCOPE',
  'MACHINE_TOKEN',
  'SCOPE_EXCEEDS_OWNER',
  'OWNER_SUSPENDED',
  'KEY_NOT_FOUND',
  'CONSOLE_FILE_NOT_FOUND',
  'KEY_LIMIT_REACHED',
  'KEY_REVOKED',
  'KEY_EXPIRED',
  'KEY_ALREADY_ROTATED',
  'SCOPE_NO_LONGER_ALLOWED',
  'CONCURRENT_CHANGE',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'STORE_UNAVAILABLE',
  'IDP_UNAVAILABLE',
  'INVALID_ASSERTION',
  'JWKS_UNAVAILABLE',
  'SIGNING_KEY_UNAVAILABLE',
  'WEBHOOK_TOKEN_UNAVAILABLE',
  'GITHUB_KEYS_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Names some codes, each of which must be an ErrorCode: a typo does not compile. */
type Codes<C extends ErrorCode> = C;

export type ValidationCode = Codes<'INVALID_REQUEST' | 'MISSING_BODY' | 'INVALID_JSON' | 'INVALID_CURSOR' | 'SCOPE_NOT_ALLOWED'>;
/** `..._SIGNATURE`: a request signed by its sender (GitHub's secret scanning alerts) rather than sent with a token. */
export type AuthenticationCode = Codes<'MISSING_TOKEN' | 'INVALID_TOKEN' | 'MISSING_SIGNATURE' | 'INVALID_SIGNATURE'>;
export type AccessDeniedCode = Codes<'INSUFFICIENT_SCOPE' | 'MACHINE_TOKEN' | 'SCOPE_EXCEEDS_OWNER' | 'OWNER_SUSPENDED'>;
export type KeyStateConflictCode = Codes<
  'KEY_REVOKED' | 'KEY_EXPIRED' | 'KEY_ALREADY_ROTATED' | 'SCOPE_NO_LONGER_ALLOWED' | 'CONCURRENT_CHANGE'
>;
export type DependencyCode = Codes<
  | 'STORE_UNAVAILABLE'
  | 'IDP_UNAVAILABLE'
  | 'JWKS_UNAVAILABLE'
  | 'SIGNING_KEY_UNAVAILABLE'
  | 'WEBHOOK_TOKEN_UNAVAILABLE'
  | 'GITHUB_KEYS_UNAVAILABLE'
>;

interface ErrorOptions {
  readonly cause?: unknown;
}

/** The base of every expected error; anything else that escapes is a bug (a bare 500). */
export abstract class DomainError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;

  constructor(message: string, code: C, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The request itself is wrong: a field, a body, a cursor, a scope nobody may grant. */
export class ValidationError extends DomainError<ValidationCode> {
  constructor(message: string, code: ValidationCode = 'INVALID_REQUEST') {
    super(message, code);
  }
}

/** No credential, or one that does not prove who the caller is. */
export class AuthenticationError extends DomainError<AuthenticationCode> {
  constructor(message: string, code: AuthenticationCode = 'INVALID_TOKEN', options?: ErrorOptions) {
    super(message, code, options);
  }
}

/** A backend (the sample /whoami) got no valid gateway assertion: the request did not come through the gateway. */
export class InvalidAssertionError extends DomainError<'INVALID_ASSERTION'> {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'INVALID_ASSERTION', options);
  }
}

/** The caller is known but may not do this. */
export class AccessDeniedError extends DomainError<AccessDeniedCode> {}

export class KeyNotFoundError extends DomainError<'KEY_NOT_FOUND'> {
  /** Echoes the id only when it looks like one: a whole key pasted by mistake must not come back. */
  constructor(keyId: string) {
    super(isKeyId(keyId) ? `No key with id "${keyId}"` : 'No key with that id', 'KEY_NOT_FOUND');
  }
}

/** A path under `/console/` that names none of its files (a stale hashed name after a deploy, a typo). */
export class ConsoleFileNotFoundError extends DomainError<'CONSOLE_FILE_NOT_FOUND'> {
  constructor() {
    super('No such console file; reload the console', 'CONSOLE_FILE_NOT_FOUND');
  }
}

export class KeyLimitReachedError extends DomainError<'KEY_LIMIT_REACHED'> {
  constructor(readonly limit: number) {
    super(`You already have ${limit} active keys, the most allowed; revoke one first`, 'KEY_LIMIT_REACHED');
  }
}

/** The key's state rules the change out: revoked is final, an expired key cannot be rotated, and so on. */
export class KeyStateConflictError extends DomainError<KeyStateConflictCode> {}

export class RequestTooLargeError extends DomainError<'PAYLOAD_TOO_LARGE'> {
  constructor(readonly limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes`, 'PAYLOAD_TOO_LARGE');
  }
}

/** A dependency (DynamoDB, the identity provider) failed; the client may retry. */
export class DependencyUnavailableError extends DomainError<DependencyCode> {}

/** The owner used up their budget of creates and rotations (lambdas/store/owner-rate.ts); one is free again in `retryAfterSeconds`. */
export class RateLimitedError extends DomainError<'RATE_LIMITED'> {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many keys created or rotated; try again in ${retryAfterSeconds} s`, 'RATE_LIMITED');
  }
}

/** An Idempotency-Key already used by this owner for a different request (another body or route). */
export class IdempotencyKeyReusedError extends DomainError<'IDEMPOTENCY_KEY_REUSED'> {
  constructor() {
    super('This Idempotency-Key was already used for a different request; send a new key for a new request', 'IDEMPOTENCY_KEY_REUSED');
  }
}

/** `instanceof DomainError` narrows to `DomainError<any>`; this keeps the code typed. */
export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/**
 * For callers that do not retry a 4xx themselves (Auth0's webhook, GitHub's alerts): keys changing under the
 * work (CONCURRENT_CHANGE) is a passing fault, so it is answered as one, a 503, and the report comes again.
 * Any other error is returned as it is.
 */
export function concurrentChangeAsUnavailable(error: unknown, message: string): unknown {
  if (isDomainError(error) && error.code === 'CONCURRENT_CHANGE') {
    return new DependencyUnavailableError(message, 'STORE_UNAVAILABLE', { cause: error });
  }
  return error;
}
