import type { StoredKey } from '../domain/api-key';
import type { KeySummary } from '../domain/key-store';
import { TABLE } from './table-schema';


type Item = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string';
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
/** Whole seconds up to the year 9999, so every expiry converts to a Date. */
const isEpochSeconds = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 253_402_300_799;
const optionalString = (value: unknown): value is string | undefined => value === undefined || isString(value);

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
  if (key.revokedAt !== undefined) item.revokedAt = key.revokedAt;
  if (key.lastUsedAt !== undefined) item.lastUsedAt = key.lastUsedAt;
  return item;
}

/**
 * Items are read defensively: one with missing or mistyped fields is treated
 * as absent (so the authorizer denies) rather than trusted or crashed on.
 */
export function toKeySummary(item: Item): KeySummary | undefined {
  const { keyId, ownerId, name, scopes, createdAt, expiresAt, revokedAt, lastUsedAt } = item;
  if (
    !isNonEmptyString(keyId) ||
    !isNonEmptyString(ownerId) ||
    !isString(name) ||
    !isStringArray(scopes) ||
    !isString(createdAt) ||
    !isEpochSeconds(expiresAt) ||
    !optionalString(revokedAt) ||
    !optionalString(lastUsedAt)
  ) {
    return undefined;
  }
  return {
    keyId,
    ownerId,
    name,
    scopes,
    createdAt,
    expiresAt,
    ...(revokedAt !== undefined ? { revokedAt } : {}),
    ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
  };
}

export function toStoredKey(item: Item): StoredKey | undefined {
  const summary = toKeySummary(item);
  if (summary === undefined || !isString(item.secretHash) || item[TABLE.partitionKey] !== summary.keyId) {
    return undefined;
  }
  return { ...summary, secretHash: item.secretHash };
}
