import { ValidationError } from '../domain/errors';
import { TABLE } from './table-schema';

/**
 * The owner index's LastEvaluatedKey, as an opaque base64url cursor. A cursor
 * is checked on the way back in: well-formed, and for the caller's own keys,
 * so it can neither fail the query nor steer it into someone else's list.
 */
export function encodeCursor(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, ownerId: string): Record<string, string> {
  const invalid = () => new ValidationError('cursor is not one this API gave you for your keys', 'INVALID_CURSOR');
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const names = [TABLE.partitionKey, TABLE.ownerIndex.partitionKey, TABLE.ownerIndex.sortKey].sort();
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.keys(parsed).sort().join() !== names.join() ||
    !Object.values(parsed).every((value) => typeof value === 'string') ||
    (parsed as Record<string, string>)[TABLE.ownerIndex.partitionKey] !== ownerId
  ) {
    throw invalid();
  }
  return parsed as Record<string, string>;
}
