import * as z from 'zod';
import { KEY_STATUSES, type KeyView } from '../domain/api-key';
import { AUDIT_EVENT_TYPES, type AuditEventView } from '../domain/audit-event';
import type { CreatedKey, RotatedKey } from '../domain/key-service';
import type { LeakLabel } from '../domain/leak-revocation';
import type { PublicJwk } from '../domain/signing-keys';
import type { TokenGrant } from '../domain/token-exchange';
import type { OAuthErrorCode } from '../domain/token-request';
import { ERROR_CODES, INTERNAL_ERROR } from './error-status';

/**
 * What each route answers, written once: the OpenAPI document (lambdas/openapi/) is generated from these, and
 * the handlers' bodies are typed by them (`satisfies`), so neither can drift from the other. Each schema is also
 * held equal to the domain type it describes (`same` below): a field added to KeyView without its schema, or
 * the other way round, does not compile.
 */

/** Assignable both ways. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * True only when A and B are assignable both ways (readonly aside) and name the same fields: mutual
 * assignability alone would let either side gain an optional field. The compile-time link to the domain's types.
 */
type Same<A, B> = Mutual<A, B> extends true ? Mutual<keyof A, keyof B> : false;
const same = <A, B>(proof: Same<A, B>): Same<A, B> => proof;

const isoDateTime = z.string().meta({ format: 'date-time' });

export const keyViewSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()).readonly(),
    createdAt: isoDateTime,
    expiresAt: isoDateTime,
    status: z.enum(KEY_STATUSES as readonly [KeyView['status'], ...KeyView['status'][]]),
    enabled: z.boolean(),
    lastUsedAt: isoDateTime.exactOptional(),
    revokedAt: isoDateTime.exactOptional(),
    revocation: z
      .strictObject({ cause: z.literal('leaked'), url: z.string(), source: z.string() })
      .exactOptional()
      .meta({ description: 'Set when the key was revoked because GitHub found it in public' }),
    disabledAt: isoDateTime.exactOptional(),
    rotatedAt: isoDateTime.exactOptional(),
    replacedBy: z.string().exactOptional(),
    rotatedFrom: z.string().exactOptional(),
    origin: z.literal('stormpath').exactOptional().meta({ description: 'Set on a key imported from a Stormpath export' }),
  })
  .meta({ description: 'What an owner sees of a key: never the secret or its hash' });
export type KeyViewBody = z.output<typeof keyViewSchema>;
same<Readonly<KeyViewBody>, KeyView>(true);

const nextCursor = z.string().exactOptional().meta({ description: 'Pass back as `cursor` for the next page; absent on the last page' });

export const keyPageSchema = z.strictObject({ keys: z.array(keyViewSchema).readonly(), nextCursor });
export type KeyPageBody = z.output<typeof keyPageSchema>;

export const adminKeyPageSchema = z.strictObject({
  keys: z.array(keyViewSchema).readonly(),
  nextCursor,
  auth0: z
    .strictObject({ blocked: z.boolean(), deletedAt: isoDateTime.exactOptional() })
    .meta({ description: 'What Auth0 has reported about the user' }),
});
export type AdminKeyPageBody = z.output<typeof adminKeyPageSchema>;

export const createdKeySchema = z
  .strictObject({
    id: z.string(),
    key: z.string().meta({ description: 'The full key: shown in this answer (and its replays) only, never stored' }),
    name: z.string(),
    scopes: z.array(z.string()).readonly(),
    createdAt: isoDateTime,
    expiresAt: isoDateTime,
  })
  .meta({ description: 'A new key, shown once' });
export type CreatedKeyBody = z.output<typeof createdKeySchema>;
same<Readonly<CreatedKeyBody>, CreatedKey>(true);

export const rotatedKeySchema = createdKeySchema
  .extend({
    rotatedFrom: z.string(),
    replaced: z
      .strictObject({ id: z.string(), expiresAt: isoDateTime })
      .meta({ description: 'The old key, which keeps working until `expiresAt`, the end of its grace period' }),
  })
  .meta({ description: "The old key's successor, shown once" });
export type RotatedKeyBody = z.output<typeof rotatedKeySchema>;
same<Readonly<RotatedKeyBody>, RotatedKey>(true);

export const auditEventSchema = z.strictObject({
  type: z.enum(AUDIT_EVENT_TYPES),
  actor: z.string().meta({ description: 'The `sub` that made the change, or its cause (`auth0:user.deleted`, `github:secret-scanning`)' }),
  at: isoDateTime,
  sourceIp: z.string(),
  userAgent: z.string(),
  details: z.record(z.string(), z.string()).readonly().exactOptional(),
});
same<Readonly<z.output<typeof auditEventSchema>>, AuditEventView>(true);

export const eventPageSchema = z.strictObject({ events: z.array(auditEventSchema).readonly(), nextCursor });
export type EventPageBody = z.output<typeof eventPageSchema>;

export const revokedCountSchema = z.strictObject({ revoked: z.number().int().min(0) });
export type RevokedCountBody = z.output<typeof revokedCountSchema>;

export const healthSchema = z.strictObject({ status: z.literal('ok') });
export type HealthBody = z.output<typeof healthSchema>;

export const whoamiSchema = z.strictObject({
  sub: z.string(),
  keyId: z.string(),
  scopes: z.array(z.string()).readonly(),
  assertion: z.strictObject({ verified: z.literal(true), kid: z.string() }),
});
export type WhoamiBody = z.output<typeof whoamiSchema>;

const publicJwkSchema = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string(),
  y: z.string(),
  kid: z.string(),
  alg: z.literal('ES256'),
  use: z.literal('sig'),
});
same<Readonly<z.output<typeof publicJwkSchema>>, PublicJwk>(true);
export const jwksSchema = z.strictObject({ keys: z.array(publicJwkSchema).readonly() });
export type JwksBody = z.output<typeof jwksSchema>;

export const tokenGrantSchema = z.strictObject({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().min(1),
  scope: z.string().exactOptional().meta({ description: 'The granted scopes, space-separated; absent when there are none' }),
});
export type TokenGrantBody = z.output<typeof tokenGrantSchema>;
same<Readonly<TokenGrantBody>, TokenGrant>(true);

const OAUTH_ERROR_CODES = ['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope'] as const;
same<(typeof OAUTH_ERROR_CODES)[number], OAuthErrorCode>(true);
/** RFC 6749 §5.2's error answer. */
export const oauthErrorSchema = z.strictObject({ error: z.enum(OAUTH_ERROR_CODES), error_description: z.string() });
export type OAuthErrorBody = z.output<typeof oauthErrorSchema>;

const LEAK_LABELS = ['true_positive', 'false_positive'] as const;
same<(typeof LEAK_LABELS)[number], LeakLabel>(true);
/** GitHub's partner program feedback: one entry per match, the token's hash, never the token. */
export const leakFeedbackSchema = z
  .array(z.strictObject({ token_hash: z.string(), token_type: z.string(), label: z.enum(LEAK_LABELS) }))
  .readonly();
export type LeakFeedbackBody = z.output<typeof leakFeedbackSchema>;

export const webhookResultsSchema = z.strictObject({
  results: z
    .array(z.record(z.string(), z.unknown()))
    .readonly()
    .meta({ description: 'One summary per event, in order: what it changed, or why it was ignored' }),
});
export type WebhookResultsBody = z.output<typeof webhookResultsSchema>;

/** The `{ code, message }` every function's error has (lambdas/http/responses.ts errorResponse). */
export const errorBodySchema = z.strictObject({ code: z.enum([...ERROR_CODES, INTERNAL_ERROR.code]), message: z.string() });

/** What API Gateway itself answers (no credentials, a denied key, a throttled route, a failed function). */
export const gatewayErrorSchema = z.strictObject({ message: z.string() });

/** The OpenAPI document itself is an open JSON object. */
export const openApiDocumentSchema = z.looseObject({ openapi: z.string() });
export type OpenApiDocumentBody = z.output<typeof openApiDocumentSchema>;
