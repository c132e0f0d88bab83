import type { DomainError, ErrorCode } from '../domain/errors';

export type { ErrorCode } from '../domain/errors';
export { ERROR_CODES } from '../domain/errors';

/** How one error code is answered over HTTP, and what it means (rendered into the README). */
export interface ErrorStatus {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly meaning: string;
}

const badRequest = (meaning: string): ErrorStatus => ({ status: 400, headers: {}, meaning });
// RFC 6750 §3: a 401 names the scheme the client should use.
const unauthorized = (meaning: string): ErrorStatus => ({ status: 401, headers: { 'www-authenticate': 'Bearer' }, meaning });
const forbidden = (meaning: string): ErrorStatus => ({ status: 403, headers: {}, meaning });
const conflict = (meaning: string): ErrorStatus => ({ status: 409, headers: {}, meaning });
// The fault is passing: tell the client when to try again.
const unavailable = (meaning: string): ErrorStatus => ({ status: 503, headers: { 'retry-after': '1' }, meaning });

/** Every code has exactly one status: a new ErrorCode does not compile until it has a row here. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, ErrorStatus>> = {
  INVALID_REQUEST: badRequest('a field, query parameter or path parameter is missing, unknown or out of range'),
  MISSING_BODY: badRequest('the route needs a JSON body and none was sent'),
  INVALID_JSON: badRequest('the body is not valid JSON'),
  INVALID_CURSOR: badRequest('the cursor is not one this API gave this caller for this list'),
  SCOPE_NOT_ALLOWED: badRequest('a requested scope is not among the allowed scopes'),
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    headers: {},
    meaning: 'the `Idempotency-Key` was already used, within 24 hours, for another request (another body or route)',
  },
  MISSING_TOKEN: unauthorized('no access token was sent'),
  INVALID_TOKEN: unauthorized('the access token is malformed, expired, or for another issuer or audience'),
  MISSING_SIGNATURE: unauthorized(
    '`POST /secret-scanning/github` got no `Github-Public-Key-Identifier` and `Github-Public-Key-Signature` headers',
  ),
  INVALID_SIGNATURE: unauthorized(
    '`POST /secret-scanning/github`: the signature is malformed, or not made over this body by a key GitHub publishes',
  ),
  INSUFFICIENT_SCOPE: forbidden('the access token lacks the scope this API requires (REQUIRED_SCOPE)'),
  MACHINE_TOKEN: forbidden('a machine-to-machine token may not manage keys (unless ALLOW_MACHINE_TOKENS)'),
  SCOPE_EXCEEDS_OWNER: forbidden('a key may carry only scopes the creating token holds itself (KEY_SCOPES_FROM_TOKEN)'),
  OWNER_SUSPENDED: forbidden(
    'Auth0 reports the user blocked (or deleted since the token was issued): no key may be created, rotated or enabled',
  ),
  KEY_NOT_FOUND: { status: 404, headers: {}, meaning: 'no such key, or it is someone else’s' },
  CONSOLE_FILE_NOT_FOUND: { status: 404, headers: {}, meaning: 'no such file under `/console/` (a page from before a deploy: reload it)' },
  KEY_LIMIT_REACHED: conflict('the owner already has MAX_KEYS_PER_USER active keys'),
  KEY_REVOKED: conflict('the key is revoked, and revocation is final'),
  KEY_EXPIRED: conflict('the key has expired and cannot be rotated'),
  KEY_ALREADY_ROTATED: conflict('the key was already rotated; rotate its replacement'),
  SCOPE_NO_LONGER_ALLOWED: conflict('the key carries scopes no longer allowed, so it cannot be rotated'),
  CONCURRENT_CHANGE: conflict('other requests kept changing the key at the same time; try again'),
  PAYLOAD_TOO_LARGE: { status: 413, headers: {}, meaning: 'the body is over 16 KB' },
  // Retry-After is the error's own (when the owner's next token arrives): responses.ts sets it.
  RATE_LIMITED: {
    status: 429,
    headers: {},
    meaning: 'the owner created or rotated keys faster than OWNER_KEY_CREATION_RATE allows; `Retry-After` says when to try again',
  },
  STORE_UNAVAILABLE: unavailable('DynamoDB failed; retry after a moment'),
  IDP_UNAVAILABLE: unavailable('the identity provider’s JWKS could not be fetched; retry after a moment'),
  INVALID_ASSERTION: unauthorized('the sample backend got no valid `x-api-key-assertion` from the gateway'),
  JWKS_UNAVAILABLE: unavailable('the gateway’s signing keys (its JWKS) could not be read; retry after a moment'),
  SIGNING_KEY_UNAVAILABLE: unavailable('`POST /oauth/token` could not load the key it signs access tokens with; retry after a moment'),
  WEBHOOK_TOKEN_UNAVAILABLE: unavailable('`POST /auth0/events` could not load the token it checks Auth0’s requests against; Auth0 retries'),
  GITHUB_KEYS_UNAVAILABLE: unavailable('`POST /secret-scanning/github` could not fetch GitHub’s public keys to check the signature'),
};

/** Anything that is not a DomainError is a bug: answered without detail. */
export const INTERNAL_ERROR = { code: 'INTERNAL_ERROR', status: 500, message: 'Something went wrong on our side' } as const;

export function statusOf(error: DomainError): number {
  return ERROR_STATUS[error.code].status;
}
