import * as z from 'zod';
import { DEFAULT_GRACE_PERIOD_SECONDS, MAX_GRACE_PERIOD_SECONDS } from '../domain/key-policy';
import type { ErrorCode } from '../http/error-status';
import type { RequestSchemaName, ResponseSchemaName } from './components';
import {
  adminKeyPageExample,
  createdKeyExample,
  EXAMPLE_KEY_ID,
  eventPageExample,
  jwksExample,
  keyPageExample,
  keyViewExample,
  leakFeedbackExample,
  rotatedKeyExample,
  webhookResultsExample,
  whoamiExample,
} from './examples';
import { cursorParameter, idempotencyKeyHeader, limitParameter, statusParameter } from './request-schemas';

/** A response header the document describes (lambdas/openapi/document.ts has each one's schema). */
export type ResponseHeader = 'Idempotent-Replayed' | 'Cache-Control' | 'Pragma' | 'WWW-Authenticate';

export interface ParameterDoc {
  readonly name: string;
  readonly in: 'query' | 'path' | 'header';
  readonly schema: z.ZodType;
  readonly required?: boolean;
  readonly description?: string;
  /** For a list in one query parameter, `a,b` (OpenAPI's style `form`, `explode: false`). */
  readonly commaSeparated?: boolean;
}

/** An answer that is not one of the `{ code, message }` errors (which come from `errors`). */
export interface AnswerDoc {
  readonly description: string;
  /** No schema: an empty body. */
  readonly schema?: ResponseSchemaName;
  readonly contentType?: string;
  readonly example?: unknown;
  readonly headers?: readonly ResponseHeader[];
}

export interface RouteDoc {
  readonly summary: string;
  readonly description: string;
  readonly tag: 'Keys' | 'Support staff' | 'API keys' | 'Token exchange' | 'Public' | 'Reports';
  readonly parameters?: readonly ParameterDoc[];
  readonly body?: {
    readonly schema: RequestSchemaName;
    readonly required: boolean;
    readonly contentType: 'application/json' | 'application/x-www-form-urlencoded';
    readonly example: unknown;
    readonly description?: string;
  };
  readonly answers: Readonly<Record<number, AnswerDoc>>;
  /** Every `{ code, message }` error the route's function can answer: each under its status from ERROR_STATUS. */
  readonly errors: readonly ErrorCode[];
  /** Served only when the operator turns it on (the document says when). */
  readonly servedWhen?: string;
}

/** What every key-management route's frame (lambdas/handlers/management-handler.ts) can answer before the route runs. */
const TOKEN_ERRORS: readonly ErrorCode[] = [
  'MISSING_TOKEN',
  'INVALID_TOKEN',
  'INSUFFICIENT_SCOPE',
  'MACHINE_TOKEN',
  'IDP_UNAVAILABLE',
  'STORE_UNAVAILABLE',
];
const BODY_ERRORS: readonly ErrorCode[] = ['INVALID_REQUEST', 'MISSING_BODY', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE'];
const PAGE_ERRORS: readonly ErrorCode[] = ['INVALID_REQUEST', 'INVALID_CURSOR'];

const nonEmpty = z.string().min(1);
const keyId: ParameterDoc = { name: 'id', in: 'path', required: true, schema: nonEmpty, description: 'The key id' };
const page: readonly ParameterDoc[] = [
  { name: 'limit', in: 'query', schema: limitParameter },
  { name: 'cursor', in: 'query', schema: cursorParameter },
];
const statusFilter: ParameterDoc = { name: 'status', in: 'query', schema: statusParameter, commaSeparated: true };
const idempotencyKey: ParameterDoc = { name: 'Idempotency-Key', in: 'header', schema: idempotencyKeyHeader };

const created = (schema: ResponseSchemaName, example: unknown, what: string): AnswerDoc => ({
  description: `${what}; the key is shown in this answer only (and in its replays, to the holder of its Idempotency-Key)`,
  schema,
  example,
  headers: ['Idempotent-Replayed'],
});

/** Each documented route by its route key (`GET /keys/{id}`), beside ROUTES (lambdas/api-definition.ts): the console's files are left out. */
export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /health': {
    summary: 'Health check',
    description: 'Says the gateway and its functions are up.',
    tag: 'Public',
    answers: { 200: { description: 'Up', schema: 'Health', example: { status: 'ok' } } },
    errors: [],
  },
  'GET /openapi.json': {
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of this API, generated from the schemas its functions validate and answer with.',
    tag: 'Public',
    answers: { 200: { description: 'The document', schema: 'OpenApiDocument' } },
    errors: [],
  },
  'GET /.well-known/jwks.json': {
    summary: "The gateway's assertion keys",
    description: 'The public keys (JWKS, RFC 7517) that verify the `x-api-key-assertion` the gateway sends backends.',
    tag: 'Public',
    answers: { 200: { description: 'The key set', schema: 'Jwks', example: jwksExample, headers: ['Cache-Control'] } },
    errors: ['JWKS_UNAVAILABLE'],
  },
  'GET /whoami': {
    summary: 'Who the key acts as',
    description:
      "The sample protected backend: it believes only the gateway's signed assertion and answers who the key acts as. " +
      'API Gateway answers 401 without a credential and 403 for a refused key (or one without the route scope).',
    tag: 'API keys',
    answers: { 200: { description: "The key's owner, id and scopes", schema: 'Whoami', example: whoamiExample } },
    errors: ['INVALID_ASSERTION'],
  },
  'POST /oauth/token': {
    summary: 'Exchange a key for an access token',
    description:
      'The OAuth 2.0 client-credentials grant (RFC 6749 §4.4). The client authenticates with a key: Basic `client_id:client_secret` ' +
      '(the key id and the whole key, or an imported Stormpath pair) or `client_id` and `client_secret` form fields, not both. ' +
      'Errors are RFC 6749 §5.2 `{ error, error_description }`.',
    tag: 'Token exchange',
    body: {
      schema: 'TokenRequest',
      required: true,
      contentType: 'application/x-www-form-urlencoded',
      example: { grant_type: 'client_credentials', scope: 'read' },
    },
    answers: {
      200: {
        description: 'An access token for the gateway, as the key (never past its expiry)',
        schema: 'TokenGrant',
        example: { access_token: 'uak_at_a1b2c3d4e5f6.eyJ2IjoxfQ.c2lnbmF0dXJl', token_type: 'Bearer', expires_in: 3600, scope: 'read' },
        headers: ['Cache-Control', 'Pragma'],
      },
      400: {
        description: '`invalid_request`, `unsupported_grant_type` or `invalid_scope`',
        schema: 'OAuthError',
        example: { error: 'unsupported_grant_type', error_description: 'Only grant_type=client_credentials is supported' },
        headers: ['Cache-Control', 'Pragma'],
      },
      401: {
        description: '`invalid_client`: unknown, wrong secret, revoked, disabled or expired, all alike',
        schema: 'OAuthError',
        example: { error: 'invalid_client', error_description: 'Client authentication failed' },
        headers: ['WWW-Authenticate', 'Cache-Control', 'Pragma'],
      },
    },
    errors: ['SIGNING_KEY_UNAVAILABLE', 'STORE_UNAVAILABLE'],
  },
  'POST /keys': {
    summary: 'Create a key',
    description:
      'A new key for the caller (the token’s `sub`), shown once. Scopes must be among the allowed scopes (and, with ' +
      '`KEY_SCOPES_FROM_TOKEN`, held by the token); `expiresAt` defaults to 90 days, at most `MAX_KEY_LIFETIME_DAYS`.',
    tag: 'Keys',
    parameters: [idempotencyKey],
    body: {
      schema: 'CreateKeyRequest',
      required: true,
      contentType: 'application/json',
      example: { name: 'my script', scopes: ['read'], expiresAt: '2026-04-15T09:30:00Z' },
    },
    answers: { 201: created('CreatedKey', createdKeyExample, 'The new key') },
    errors: [
      ...TOKEN_ERRORS,
      ...BODY_ERRORS,
      'SCOPE_NOT_ALLOWED',
      'IDEMPOTENCY_KEY_REUSED',
      'SCOPE_EXCEEDS_OWNER',
      'OWNER_SUSPENDED',
      'KEY_LIMIT_REACHED',
      'CONCURRENT_CHANGE',
      'RATE_LIMITED',
    ],
  },
  'GET /keys': {
    summary: "List the caller's keys",
    description: 'Newest first, paged; never a secret or hash.',
    tag: 'Keys',
    parameters: [...page, statusFilter],
    answers: { 200: { description: 'A page of keys', schema: 'KeyPage', example: keyPageExample } },
    errors: [...TOKEN_ERRORS, ...PAGE_ERRORS],
  },
  'GET /keys/{id}': {
    summary: 'Read a key',
    description: 'A key of the caller’s; 404 when missing *or someone else’s*.',
    tag: 'Keys',
    parameters: [keyId],
    answers: { 200: { description: 'The key', schema: 'KeyView', example: keyViewExample } },
    errors: [...TOKEN_ERRORS, 'INVALID_REQUEST', 'KEY_NOT_FOUND'],
  },
  'PATCH /keys/{id}': {
    summary: 'Rename, disable or enable a key',
    description: 'At least one field; a disabled key is refused (within the cache TTL) until enabled again. Revocation is final.',
    tag: 'Keys',
    parameters: [keyId],
    body: { schema: 'UpdateKeyRequest', required: true, contentType: 'application/json', example: { enabled: false } },
    answers: {
      200: {
        description: "The key's new state",
        schema: 'KeyView',
        example: { ...keyViewExample, status: 'disabled', enabled: false, disabledAt: '2026-01-21T08:00:00.000Z' },
      },
    },
    errors: [...TOKEN_ERRORS, ...BODY_ERRORS, 'KEY_NOT_FOUND', 'KEY_REVOKED', 'OWNER_SUSPENDED', 'CONCURRENT_CHANGE'],
  },
  'DELETE /keys/{id}': {
    summary: 'Revoke a key',
    description: 'Idempotent for the owner (recorded once); 404 for anyone else. The key is refused from then on, within the cache TTL.',
    tag: 'Keys',
    parameters: [keyId],
    answers: { 204: { description: 'Revoked' } },
    errors: [...TOKEN_ERRORS, 'INVALID_REQUEST', 'KEY_NOT_FOUND', 'CONCURRENT_CHANGE'],
  },
  'POST /keys/{id}/rotate': {
    summary: 'Rotate a key',
    description:
      `A new key with the old one's name, scopes and expiry; the old key keeps working for the grace period ` +
      `(0 to ${MAX_GRACE_PERIOD_SECONDS} s, default ${DEFAULT_GRACE_PERIOD_SECONDS}, never past its own expiry). The body is optional.`,
    tag: 'Keys',
    parameters: [keyId, idempotencyKey],
    body: { schema: 'RotateKeyRequest', required: false, contentType: 'application/json', example: { gracePeriodSeconds: 3600 } },
    answers: { 201: created('RotatedKey', rotatedKeyExample, 'The new key, with the old one it replaced') },
    errors: [
      ...TOKEN_ERRORS,
      'INVALID_REQUEST',
      'INVALID_JSON',
      'PAYLOAD_TOO_LARGE',
      'IDEMPOTENCY_KEY_REUSED',
      'SCOPE_EXCEEDS_OWNER',
      'OWNER_SUSPENDED',
      'KEY_NOT_FOUND',
      'KEY_LIMIT_REACHED',
      'KEY_REVOKED',
      'KEY_EXPIRED',
      'KEY_ALREADY_ROTATED',
      'SCOPE_NO_LONGER_ALLOWED',
      'CONCURRENT_CHANGE',
      'RATE_LIMITED',
    ],
  },
  'GET /keys/{id}/events': {
    summary: "A key's audit trail",
    description: 'Newest first, paged; kept `AUDIT_RETENTION_DAYS`, also after the key itself is purged; 404 for anyone but the owner.',
    tag: 'Keys',
    parameters: [keyId, ...page],
    answers: { 200: { description: 'A page of events', schema: 'EventPage', example: eventPageExample } },
    errors: [...TOKEN_ERRORS, ...PAGE_ERRORS, 'KEY_NOT_FOUND'],
  },
  'GET /admin/users/{sub}/keys': {
    summary: "One user's keys (support staff)",
    description: 'Paged and filtered like `GET /keys`, with what Auth0 has reported about the user. The token must carry `ADMIN_SCOPE`.',
    tag: 'Support staff',
    parameters: [
      { name: 'sub', in: 'path', required: true, schema: nonEmpty, description: 'An Auth0 user id, URL-encoded (`auth0%7C65f0c2`)' },
      ...page,
      statusFilter,
    ],
    answers: { 200: { description: "A page of the user's keys", schema: 'AdminKeyPage', example: adminKeyPageExample } },
    errors: [...TOKEN_ERRORS, ...PAGE_ERRORS],
  },
  'POST /admin/users/{sub}/revoke-keys': {
    summary: "Revoke all of one user's keys (support staff)",
    description:
      'Every live key, each with an audit event naming the admin. Safe to repeat: one cut short by its deadline (503) is finished by the next.',
    tag: 'Support staff',
    parameters: [{ name: 'sub', in: 'path', required: true, schema: nonEmpty, description: 'An Auth0 user id, URL-encoded' }],
    answers: { 200: { description: 'How many keys this call revoked', schema: 'RevokedCount', example: { revoked: 3 } } },
    errors: [...TOKEN_ERRORS, 'INVALID_REQUEST', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'CONCURRENT_CHANGE'],
  },
  'POST /secret-scanning/github': {
    summary: 'GitHub secret scanning alerts',
    description:
      "GitHub's secret scanning partner program reports keys found in public; each live one is revoked. The signature over the raw " +
      "body is checked against GitHub's published keys before the body is read. The answer is GitHub's feedback.",
    tag: 'Reports',
    parameters: [
      { name: 'Github-Public-Key-Identifier', in: 'header', required: true, schema: nonEmpty },
      { name: 'Github-Public-Key-Signature', in: 'header', required: true, schema: nonEmpty, description: 'base64 ECDSA P-256 SHA-256' },
    ],
    body: {
      schema: 'SecretScanningAlert',
      required: true,
      contentType: 'application/json',
      example: [
        { token: `uak_${EXAMPLE_KEY_ID}_...`, type: 'user_api_key', url: 'https://github.com/octo/repo/blob/main/.env', source: 'content' },
      ],
    },
    answers: { 200: { description: 'One label per match', schema: 'SecretScanningFeedback', example: leakFeedbackExample } },
    errors: [
      'MISSING_SIGNATURE',
      'INVALID_SIGNATURE',
      'GITHUB_KEYS_UNAVAILABLE',
      'INVALID_REQUEST',
      'MISSING_BODY',
      'INVALID_JSON',
      'PAYLOAD_TOO_LARGE',
      'STORE_UNAVAILABLE',
    ],
  },
  'POST /auth0/events': {
    summary: "Auth0's reports of deleted, blocked and unblocked users",
    description:
      "An Auth0 Event Stream's webhook destination (a CloudEvent), or a Custom Webhook log stream's (a batch, as a JSON array or JSON " +
      "lines), with `Authorization: Bearer <the stream's token>`. A fault is a 503, which Auth0 retries.",
    tag: 'Reports',
    body: {
      schema: 'Auth0Events',
      required: true,
      contentType: 'application/json',
      example: { specversion: '1.0', type: 'user.deleted', id: 'evt_01HZX3', data: { object: { user_id: 'auth0|65f0c2a1b3' } } },
    },
    answers: { 200: { description: 'Each event applied or ignored', schema: 'Auth0EventResults', example: webhookResultsExample } },
    errors: [
      'MISSING_TOKEN',
      'INVALID_TOKEN',
      'WEBHOOK_TOKEN_UNAVAILABLE',
      'MISSING_BODY',
      'INVALID_JSON',
      'PAYLOAD_TOO_LARGE',
      'STORE_UNAVAILABLE',
    ],
    servedWhen: 'deployed with `auth0EventsWebhook=true` (under `npm start`: with `AUTH0_WEBHOOK_TOKEN` set)',
  },
};

/** Routes the document leaves out on purpose: the console's page and files are a web app, not API. */
export const UNDOCUMENTED_ROUTES: ReadonlySet<string> = new Set(['GET /console', 'GET /console/{proxy+}']);
