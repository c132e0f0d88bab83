import { ValidationError } from '../domain/errors';
import { TABLE } from './table-schema';

/**
 * An index's LastEvaluatedKey, as an opaque base64url cursor. A cursor is
 * checked on the way back in: well-formed, for the same index, and bound to
 * the list it came from (an owner's keys, one key's events), so it can
 * neither fail the query nor steer it into someone else's list.
 */
export function encodeCursor(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

function decodeBoundCursor(
  cursor: string,
  index: { readonly partitionKey: string; readonly sortKey: string },
  boundTo: string,
  what: string,
): Record<string, string> {
  const invalid = () => new ValidationError(`cursor is not one this API gave you for ${what}`, 'INVALID_CURSOR');
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const names = [TABLE.partitionKey, index.partitionKey, index.sortKey].sort();
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.keys(parsed).sort().join() !== names.join() ||
    !Object.values(parsed).every((value) => typeof value === 'string') ||
    (parsed as Record<string, string>)[index.partitionKey] !== boundTo
  ) {
    throw invalid();
  }
  return parsed as Record<string, string>;
}

/** A cursor from `GET /keys`, for this owner's keys only. */
export function decodeCursor(cursor: string, ownerId: string): Record<string, string> {
  return decodeBoundCursor(cursor, TABLE.ownerIndex, ownerId, 'your keys');
}

/** A cursor from `GET /keys/{id}/events`, for this key's events only. */
export function decodeEventCursor(cursor: string, keyId: string): Record<string, string> {
  return decodeBoundCursor(cursor, TABLE.eventIndex, keyId, "this key's events");
}
