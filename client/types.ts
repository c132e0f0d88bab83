/**
 * The API's own types, imported from the server's code (and inlined into the package's index.d.ts by
 * the build): the client and the server cannot disagree on them.
 */
import type { KeyView } from '../lambdas/domain/api-key';
import type { Auth0UserStatus } from '../lambdas/domain/owner-keys';

export type { KeyRevocation, KeyStatus, KeyView } from '../lambdas/domain/api-key';
export type { AuditEventType, AuditEventView } from '../lambdas/domain/audit-event';
export type { UpdateKeyRequest as KeyChange } from '../lambdas/domain/change-key-requests';
export type { KeyOrigin } from '../lambdas/domain/key-ids';
export type { Auth0UserStatus } from '../lambdas/domain/owner-keys';
export type { CreatedKey, RotatedKey } from '../lambdas/domain/key-service';
export type { TokenGrant } from '../lambdas/domain/token-exchange';

/** `GET /admin/users/{sub}/keys`, every page: the user's keys and what Auth0 has reported about the user. */
export interface AdminUserKeys {
  readonly keys: KeyView[];
  /** Absent only from a server older than this client. */
  readonly auth0?: Auth0UserStatus | undefined;
}

/**
 * `POST /keys`'s body as sent (the server's schema, lambdas/domain/create-key-request.ts; a unit test holds
 * the two equal). `expiresAt` is ISO-8601 with a zone; without it, the server's default lifetime.
 */
export interface CreateKeyInput {
  readonly name: string;
  readonly scopes?: readonly string[] | undefined;
  readonly expiresAt?: string | undefined;
}
