/** `Authorization: Basic <base64>` (RFC 7617), strict base64 alphabet, the scheme in any case. */
const BASIC = /^Basic ([A-Za-z0-9+/]+={0,2})$/i;

export type BasicCredentials =
  | { readonly ok: true; readonly user: string; readonly password: string }
  /** `not-basic`: another scheme, or not base64; `no-colon`: base64 without the `user:password` shape. */
  | { readonly ok: false; readonly problem: 'not-basic' | 'no-colon' };

/**
 * The user and password of Basic credentials, split at the first colon (a
 * password may hold colons, a user id may not). What the two parts mean is
 * the caller's: a key's id and the key, or OAuth's form-encoded client id and
 * secret.
 */
export function basicCredentials(header: string): BasicCredentials {
  const match = BASIC.exec(header);
  if (match === null) return { ok: false, problem: 'not-basic' };
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { ok: false, problem: 'no-colon' } : { ok: true, user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
