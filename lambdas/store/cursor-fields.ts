import { isKeyId } from '../domain/key-ids';

/**
 * The shapes of the key attributes a list cursor carries, exactly as this
 * API writes them (see item-mapping and table-schema), so a decoded cursor
 * holds nothing DynamoDB could reject as an ExclusiveStartKey.
 */

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** `<ISO time>#<n>`: n is the event's position among those one change writes. */
const EVENT_AT = /^(.+)#(0|[1-9]\d{0,2})$/;
/** The random suffix toEventItem gives each event item: randomBytes(6) in hex. */
const EVENT_NONCE = /^[0-9a-f]{12}$/;

/** A time as `Date#toISOString` writes it (createdAt), and a real one: no month 13. */
export function isIsoTime(value: string): boolean {
  if (!ISO_TIME.test(value)) return false;
  const time = new Date(value);
  return Number.isFinite(time.getTime()) && time.toISOString() === value;
}

export function isEventAt(value: string): boolean {
  const match = EVENT_AT.exec(value);
  return match?.[1] !== undefined && isIsoTime(match[1]);
}

/** An event item's partition key, `event#<keyId>#<eventAt>#<nonce>`, for this key and this eventAt. */
export function isEventItemKey(value: string, keyId: string, eventAt: string): boolean {
  const prefix = `event#${keyId}#${eventAt}#`;
  return isKeyId(keyId) && value.startsWith(prefix) && EVENT_NONCE.test(value.slice(prefix.length));
}
