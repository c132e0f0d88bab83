/**
 * One error hierarchy for the whole service. Each error that a client may see
 * carries its HTTP status and a stable machine-readable code; `toErrorBody`
 * in lambdas/http is the one place that turns them into responses.
 */
export abstract class ApiError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends ApiError {
  readonly status = 400;
  constructor(
    message: string,
    readonly code: string = 'INVALID_REQUEST',
  ) {
    super(message);
  }
}

export class UnauthorizedError extends ApiError {
  readonly status = 401;
  constructor(
    message: string,
    readonly code: string = 'INVALID_TOKEN',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ForbiddenError extends ApiError {
  readonly status = 403;
  constructor(
    message: string,
    readonly code: string = 'FORBIDDEN',
  ) {
    super(message);
  }
}

export class KeyNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'KEY_NOT_FOUND';
  /** Echoes the id only when it looks like one: a whole key pasted by mistake must not come back. */
  constructor(keyId: string) {
    super(/^[0-9A-Za-z]{22}$/.test(keyId) ? `No key with id "${keyId}"` : 'No key with that id');
  }
}

export class KeyLimitReachedError extends ApiError {
  readonly status = 409;
  readonly code = 'KEY_LIMIT_REACHED';
  constructor(limit: number) {
    super(`You already have ${limit} active keys, the most allowed; revoke one first`);
  }
}

/** The key's state rules the change out: revoked is final, an expired key cannot be rotated, and so on. */
export class KeyStateConflictError extends ApiError {
  readonly status = 409;
  constructor(
    message: string,
    readonly code: 'KEY_REVOKED' | 'KEY_EXPIRED' | 'KEY_ALREADY_ROTATED' | 'SCOPE_NOT_ALLOWED' | 'CONCURRENT_CHANGE',
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends ApiError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes`);
  }
}

/** A dependency (DynamoDB, the identity provider) failed; the client may retry. */
export class ServiceUnavailableError extends ApiError {
  readonly status = 503;
  constructor(
    message: string,
    readonly code: string = 'SERVICE_UNAVAILABLE',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
