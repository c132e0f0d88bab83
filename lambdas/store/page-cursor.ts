import { ValidationError } from '../domain/errors';
import { isKeyId } from '../domain/key-ids';
import { isEventAt, isEventItemKey, isIsoTime } from './cursor-fields';
import { TABLE } from './table-schema';

/**
 * An index's LastEvaluatedKey, as an opaque base64url cursor. A cursor is
 * checked on the way back in, field by field: each exactly the shape this API
 * writes (so DynamoDB never sees a start key it rejects, which would be a 503
 * and an alarm), for the same index, and bound to the list it came from (an
 * owner's keys, one key's events), so it can neither fail the query nor steer
 * it into someone else's list. Any other cursor is a 400 INVALID_CURSOR.
 */
export function encodeCursor(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

type Fields = Readonly<Record<string, string>>;
/** Each of a cursor's attributes, with the rule its (non-empty string) value must meet. */
type FieldRules = Readonly<Record<string, (value: string, fields: Fields) => boolean>>;

/** Far longer than any cursor this API hands out (three short key attributes). */
const MAX_CURSOR_LENGTH = 2048;

function decodeChecked(cursor: string, rules: FieldRules, what: string): Record<string, string> {
  const invalid = () => new ValidationError(`cursor is not one this API gave you for ${what}`, 'INVALID_CURSOR');
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const names = Object.keys(rules).sort();
  if (Object.keys(parsed).sort().join() !== names.join()) throw invalid();
  const fields = parsed as Record<string, unknown>;
  if (!names.every((name) => typeof fields[name] === 'string' && fields[name] !== '')) throw invalid();
  const strings = fields as Record<string, string>;
  if (!names.every((name) => rules[name]?.(strings[name] ?? '', strings) === true)) throw invalid();
  return strings;
}

/** A cursor from `GET /keys`, for this owner's keys only: `{pk: <key id>, ownerId: <the caller>, createdAt: <ISO time>}`. */
export function decodeCursor(cursor: string, ownerId: string): Record<string, string> {
  const rules: FieldRules = {
    [TABLE.partitionKey]: isKeyId,
    [TABLE.ownerIndex.partitionKey]: (value) => value === ownerId,
    [TABLE.ownerIndex.sortKey]: isIsoTime,
  };
  return decodeChecked(cursor, rules, 'your keys');
}

/** A cursor from `GET /keys/{id}/events`, for this key's events only: `{pk: event#<key id>#<eventAt>#<nonce>, eventKeyId: <key id>, eventAt: <ISO>#<n>}`. */
export function decodeEventCursor(cursor: string, keyId: string): Record<string, string> {
  const rules: FieldRules = {
    [TABLE.partitionKey]: (value, fields) => isEventItemKey(value, keyId, fields[TABLE.eventIndex.sortKey] ?? ''),
    [TABLE.eventIndex.partitionKey]: (value) => value === keyId && isKeyId(value),
    [TABLE.eventIndex.sortKey]: isEventAt,
  };
  return decodeChecked(cursor, rules, "this key's events");
}
