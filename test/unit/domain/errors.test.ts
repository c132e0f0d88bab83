import {
  ConsoleFileNotFoundError,
  IdempotencyKeyReusedError,
  RateLimitedError,
  AccessDeniedError,
  AuthenticationError,
  DependencyUnavailableError,
  DomainError,
  ERROR_CODES,
  InvalidAssertionError,
  KeyLimitReachedError,
  KeyNotFoundError,
  KeyStateConflictError,
  RequestTooLargeError,
  ValidationError,
} from '../../../lambdas/domain/errors';
import { ERROR_STATUS, INTERNAL_ERROR, statusOf } from '../../../lambdas/http/error-status';
import { errorResponse } from '../../../lambdas/http/responses';

const cause = new Error('the underlying fault');

/** One of each class, with each code it may carry. */
const EXAMPLES: readonly DomainError[] = [
  new ValidationError('bad field'),
  new ValidationError('no body', 'MISSING_BODY'),
  new ValidationError('not json', 'INVALID_JSON'),
  new ValidationError('bad cursor', 'INVALID_CURSOR'),
  new ValidationError('scope', 'SCOPE_NOT_ALLOWED'),
  new AuthenticationError('no token', 'MISSING_TOKEN'),
  new AuthenticationError('bad token', 'INVALID_TOKEN', { cause }),
  new AccessDeniedError('scope', 'INSUFFICIENT_SCOPE'),
  new AccessDeniedError('machine', 'MACHINE_TOKEN'),
  new KeyNotFoundError('0123456789abcdefABCDEF'),
  new ConsoleFileNotFoundError(),
  new KeyLimitReachedError(20),
  new KeyStateConflictError('revoked', 'KEY_REVOKED'),
  new KeyStateConflictError('expired', 'KEY_EXPIRED'),
  new KeyStateConflictError('rotated', 'KEY_ALREADY_ROTATED'),
  new KeyStateConflictError('scopes', 'SCOPE_NO_LONGER_ALLOWED'),
  new KeyStateConflictError('race', 'CONCURRENT_CHANGE'),
  new RequestTooLargeError(16_384),
  new DependencyUnavailableError('store', 'STORE_UNAVAILABLE', { cause }),
  new DependencyUnavailableError('idp', 'IDP_UNAVAILABLE'),
  new InvalidAssertionError('no assertion'),
  new DependencyUnavailableError('jwks', 'JWKS_UNAVAILABLE'),
  new DependencyUnavailableError('signing', 'SIGNING_KEY_UNAVAILABLE'),
  new AccessDeniedError('beyond', 'SCOPE_EXCEEDS_OWNER'),
  new AccessDeniedError('blocked', 'OWNER_SUSPENDED'),
  new RateLimitedError(7),
  new IdempotencyKeyReusedError(),
  new DependencyUnavailableError('webhook token', 'WEBHOOK_TOKEN_UNAVAILABLE'),
  new AuthenticationError('no signature', 'MISSING_SIGNATURE'),
  new AuthenticationError('bad signature', 'INVALID_SIGNATURE'),
  new DependencyUnavailableError('github keys', 'GITHUB_KEYS_UNAVAILABLE', { cause }),
];

describe('error codes and the one status table', () => {
  it('lists each code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('gives every code exactly one status, and no status to anything that is not a code', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const { status, meaning } = ERROR_STATUS[code];
      expect(Number.isInteger(status) && status >= 400 && status < 600).toBe(true);
      expect(meaning.length).toBeGreaterThan(0);
      expect(meaning).not.toContain('\n');
    }
    expect(ERROR_CODES).not.toContain(INTERNAL_ERROR.code);
  });

  it('keeps a scope refused on create (400) apart from a scope that blocks a rotation (409)', () => {
    expect(ERROR_STATUS.SCOPE_NOT_ALLOWED.status).toBe(400);
    expect(ERROR_STATUS.SCOPE_NO_LONGER_ALLOWED.status).toBe(409);
  });

  it('sends WWW-Authenticate with every 401 and Retry-After with every 503, and those headers with nothing else', () => {
    for (const code of ERROR_CODES) {
      const { status, headers } = ERROR_STATUS[code];
      expect(headers['www-authenticate']).toBe(status === 401 ? 'Bearer' : undefined);
      expect(headers['retry-after']).toBe(status === 503 ? '1' : undefined);
    }
  });

  it('has an example of every code here', () => {
    expect(EXAMPLES.map((error) => error.code).sort()).toEqual([...ERROR_CODES].sort());
  });
});

describe.each(EXAMPLES.map((error) => [error.code, error] as const))('%s', (code, error) => {
  it('is a DomainError named for its class, with no HTTP status of its own', () => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(error.constructor.name);
    expect(error.name).toMatch(/Error$/);
    expect('status' in error).toBe(false);
    expect('statusCode' in error).toBe(false);
  });

  it('is answered with the status and headers of its code, as { code, message }', () => {
    const response = errorResponse(error);
    expect(response.statusCode).toBe(ERROR_STATUS[code].status);
    expect(statusOf(error)).toBe(ERROR_STATUS[code].status);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', ...ERROR_STATUS[code].headers });
    expect(JSON.parse(response.body ?? '')).toEqual({ code, message: error.message });
  });
});

describe('RATE_LIMITED', () => {
  it("says when to try again: Retry-After is the error's own seconds, and its message names them", () => {
    const response = errorResponse(new RateLimitedError(42));
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'retry-after': '42' });
    expect(JSON.parse(response.body ?? '').message).toMatch(/42 s/);
  });
});

describe('errorResponse for anything else', () => {
  it.each([new Error('boom: secret detail'), new TypeError('x is undefined'), 'a string', undefined])('%p → a bare 500', (thrown) => {
    const response = errorResponse(thrown);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toEqual({ code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' });
    expect(response.headers).not.toHaveProperty('retry-after');
  });
});

describe('error details', () => {
  it('passes the cause on', () => {
    expect(new DependencyUnavailableError('store', 'STORE_UNAVAILABLE', { cause }).cause).toBe(cause);
    expect(new AuthenticationError('bad', 'INVALID_TOKEN', { cause }).cause).toBe(cause);
  });

  it('keeps a KeyNotFoundError from echoing anything that is not a key id', () => {
    expect(new KeyNotFoundError('uak_0123456789abcdefABCDEF_secret').message).toBe('No key with that id');
    expect(new KeyNotFoundError('0123456789abcdefABCDEF').message).toContain('0123456789abcdefABCDEF');
  });

  it('carries the limit on KeyLimitReachedError', () => {
    expect(new KeyLimitReachedError(7)).toMatchObject({ limit: 7, code: 'KEY_LIMIT_REACHED' });
  });
});
