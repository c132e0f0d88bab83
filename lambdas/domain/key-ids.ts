import { isWellFormedKeyId } from './key-format';

/**
 * The two kinds of key id the table holds. Native ids are 22 base62
 * characters (key-format.ts); ids imported from a Stormpath export keep
 * Stormpath's own: 25 characters `[A-Z0-9]`, with a secret of 43 characters
 * of standard base64 (32 random bytes, unpadded, `+` and `/` included), so
 * old clients keep sending exactly what they always sent. The lengths differ,
 * so the two never collide, and neither contains `#` (owner and event items,
 * table-schema.ts).
 */
export const STORMPATH_KEY_ID_LENGTH = 25;
const STORMPATH_KEY_ID = /^[A-Z0-9]{25}$/;
const STORMPATH_SECRET = /^[A-Za-z0-9+/]{43}$/;

export const isStormpathKeyId = (keyId: string): boolean => STORMPATH_KEY_ID.test(keyId);
export const isStormpathSecret = (secret: string): boolean => STORMPATH_SECRET.test(secret);

/** A key id the table may hold: a native one or an imported Stormpath one. */
export const isKeyId = (keyId: string): boolean => isWellFormedKeyId(keyId) || isStormpathKeyId(keyId);

/** Where a key came from, when not made here: the id's shape says it (a rotation's successor is always native). */
export type KeyOrigin = 'stormpath';
export const keyOrigin = (keyId: string): KeyOrigin | undefined => (isStormpathKeyId(keyId) ? 'stormpath' : undefined);
