import { randomBytes } from 'node:crypto';
import type { KeyRevocation, StoredKey } from '../domain/api-key';
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from '../domain/audit-event';
import type { KeySummary } from '../domain/key-store';
import { eventItemKey, expiryDay, TABLE } from './table-schema';

type Item = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string';
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
/** A time as the table holds expiries and TTLs: whole epoch seconds. */
export const epochSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);
/** Whole seconds up to the year 9999, so every expiry converts to a Date. */
export const isEpochSeconds = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 253_402_300_799;
const optionalString = (value: unknown): value is string | undefined => value === undefined || isString(value);

/** `disabledBy` is not in the owner index's projection: a listed key does not say who paused it, a read one does. */
const OPTIONAL_KEY_FIELDS = ['revokedAt', 'disabledAt', 'disabledBy', 'rotatedAt', 'replacedBy', 'rotatedFrom', 'lastUsedAt'] as const;

export function toItem(key: StoredKey): Item {
  const item: Item = {
    [TABLE.partitionKey]: key.keyId,
    keyId: key.keyId,
    ownerId: key.ownerId,
    secretHash: key.secretHash,
    name: key.name,
    scopes: [...key.scopes],
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
  };
  for (const field of OPTIONAL_KEY_FIELDS) {
    if (key[field] !== undefined) item[field] = key[field];
  }
  if (key.countsAsImported === true) item.countsAsImported = true;
  if (key.creatorTokenIssuedAtMs !== undefined) item.creatorTokenIssuedAtMs = key.creatorTokenIssuedAtMs;
  if (key.revocation !== undefined) item.revocation = { ...key.revocation };
  // In the expiry index while it can still expire as its owner planned: a rotation or revocation takes it out (key-writes.ts).
  if (key.revokedAt === undefined && key.replacedBy === undefined) item[TABLE.expiryIndex.partitionKey] = expiryDay(key.expiresAt);
  return item;
}

/** A revocation's explanation, as stored: one with a field missing or mistyped is left out (the key is revoked all the same). */
function toRevocation(value: unknown): KeyRevocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { cause, url, source } = value as Record<string, unknown>;
  return cause === 'leaked' && isString(url) && isString(source) ? { cause, url, source } : undefined;
}

/**
 * Items are read defensively: one with missing or mistyped fields is treated
 * as absent (so the authorizer denies) rather than trusted or crashed on.
 */
export function toKeySummary(item: Item): KeySummary | undefined {
  const { keyId, ownerId, name, scopes, createdAt, expiresAt } = item;
  if (
    !isNonEmptyString(keyId) ||
    !isNonEmptyString(ownerId) ||
    !isString(name) ||
    !isStringArray(scopes) ||
    !isString(createdAt) ||
    !isEpochSeconds(expiresAt) ||
    !OPTIONAL_KEY_FIELDS.every((field) => optionalString(item[field]))
  ) {
    return undefined;
  }
  const summary: { -readonly [K in keyof KeySummary]: KeySummary[K] } = { keyId, ownerId, name, scopes, createdAt, expiresAt };
  for (const field of OPTIONAL_KEY_FIELDS) {
    if (item[field] !== undefined) summary[field] = item[field] as string;
  }
  if (item.countsAsImported === true) summary.countsAsImported = true;
  const revocation = toRevocation(item.revocation);
  if (revocation !== undefined) summary.revocation = revocation;
  if (Number.isSafeInteger(item.creatorTokenIssuedAtMs)) summary.creatorTokenIssuedAtMs = item.creatorTokenIssuedAtMs as number;
  return summary;
}

export function toStoredKey(item: Item): StoredKey | undefined {
  const summary = toKeySummary(item);
  if (summary === undefined || !isString(item.secretHash) || item[TABLE.partitionKey] !== summary.keyId) {
    return undefined;
  }
  return { ...summary, secretHash: item.secretHash };
}

const EVENT_TYPES: readonly AuditEventType[] = AUDIT_EVENT_TYPES;

/** `position` orders the events one change writes together (they share a timestamp). */
export function toEventItem(event: AuditEvent, position: number): Item {
  const eventAt = `${event.at}#${position}`;
  return {
    [TABLE.partitionKey]: eventItemKey(event.keyId, eventAt, randomBytes(6).toString('hex')),
    [TABLE.eventIndex.partitionKey]: event.keyId,
    [TABLE.eventIndex.sortKey]: eventAt,
    keyOwner: event.keyOwner,
    type: event.type,
    actor: event.actor,
    at: event.at,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    ...(event.details !== undefined ? { details: { ...event.details } } : {}),
    [TABLE.ttlAttribute]: event.expiresAt,
  };
}

export function toAuditEvent(item: Item): AuditEvent | undefined {
  const { keyOwner, type, actor, at, sourceIp, userAgent, details } = item;
  const keyId = item[TABLE.eventIndex.partitionKey];
  const expiresAt = item[TABLE.ttlAttribute];
  if (
    !isNonEmptyString(keyId) ||
    !isNonEmptyString(keyOwner) ||
    !EVENT_TYPES.includes(type as AuditEventType) ||
    !isString(actor) ||
    !isString(at) ||
    !isString(sourceIp) ||
    !isString(userAgent) ||
    !isEpochSeconds(expiresAt) ||
    (details !== undefined && (typeof details !== 'object' || details === null || !Object.values(details).every(isString)))
  ) {
    return undefined;
  }
  return {
    keyId,
    keyOwner,
    type: type as AuditEventType,
    actor,
    at,
    sourceIp,
    userAgent,
    ...(details !== undefined ? { details: details as Record<string, string> } : {}),
    expiresAt,
  };
}
