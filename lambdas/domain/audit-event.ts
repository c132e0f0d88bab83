/** Who asked for a change, as API Gateway saw the request. The subject always comes from a verified token. */
export interface Caller {
  readonly sub: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /**
   * What the caller's token lets them do: its `permissions` (Auth0 RBAC) when it has them, else its scopes.
   * Absent for callers that are not a token (Auth0's own events, an operator's tool).
   */
  readonly rights?: readonly string[];
  /** When the caller's token was issued, epoch milliseconds: a token from before Auth0 blocked or deleted its user may not write. */
  readonly tokenIssuedAtMs?: number;
}

/**
 * `import`: the key was brought in from another system's export (the importer, stormpath/).
 * `leak_revoke`: GitHub's secret scanning found the key in public and it was revoked (lambdas/domain/leak-revocation.ts).
 */
export const AUDIT_EVENT_TYPES = ['create', 'rotate', 'revoke', 'enable', 'disable', 'rename', 'import', 'leak_revoke'] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** The actors that are not a person's or a client's `sub`: Auth0 telling us about the owner (lambdas/domain/owner-lifecycle.ts). */
export const AUTH0_ACTORS = ['auth0:user.deleted', 'auth0:user.blocked', 'auth0:user.unblocked'] as const;
export type Auth0Actor = (typeof AUTH0_ACTORS)[number];

/** One change to one key, kept for the configured retention. */
export interface AuditEvent {
  readonly keyId: string;
  /** The key's owner, so the history stays readable by them alone even after the key item is purged. */
  readonly keyOwner: string;
  readonly type: AuditEventType;
  /** The `sub` that made the change. */
  readonly actor: string;
  /** ISO-8601 */
  readonly at: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** What changed, where the type alone does not say (e.g. a rename's old and new name). */
  readonly details?: Readonly<Record<string, string>>;
  /** Epoch seconds; the event's TTL. */
  readonly expiresAt: number;
}

/** What the owner reads: `GET /keys/{id}/events`, without the bookkeeping (key, owner, TTL). */
export type AuditEventView = Omit<AuditEvent, 'keyId' | 'keyOwner' | 'expiresAt'>;

/** A user agent is client-chosen text: kept, but bounded and without control characters (it is shown in terminals). */
export const USER_AGENT_MAX_LENGTH = 256;
const printable = (text: string): string => text.replace(/\p{C}/gu, '?');

export function auditEvent(
  caller: Caller,
  key: { readonly keyId: string; readonly ownerId: string },
  type: AuditEventType,
  at: Date,
  retentionDays: number,
  details?: Readonly<Record<string, string>>,
): AuditEvent {
  return {
    keyId: key.keyId,
    keyOwner: key.ownerId,
    type,
    actor: caller.sub,
    at: at.toISOString(),
    sourceIp: caller.sourceIp ?? '',
    userAgent: printable((caller.userAgent ?? '').slice(0, USER_AGENT_MAX_LENGTH)),
    ...(details !== undefined ? { details } : {}),
    expiresAt: Math.floor(at.getTime() / 1000) + retentionDays * 86_400,
  };
}

export function toAuditEventView(event: AuditEvent): AuditEventView {
  return {
    type: event.type,
    actor: event.actor,
    at: event.at,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    ...(event.details !== undefined ? { details: event.details } : {}),
  };
}
