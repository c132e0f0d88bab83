import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { MAX_ASSERTION_LIFETIME_SECONDS } from '../api-definition';
import { tokenMacKey } from './access-token';
import { DEFAULT_MAX_AGE_MS } from './signing-key-timing';

/**
 * The gateway's assertion signing keys: P-256 (ES256) key pairs, the newest
 * first. The private set lives only in the Secrets Manager secret (and in the
 * memory of the processes that sign); the public set is the JWKS backends
 * verify with. A rotation adds a new key and keeps every key some authorizer
 * instance may still be signing with (RETIRED_KEY_KEPT_MS), so no assertion
 * in flight ever names a kid the JWKS has dropped, however close together
 * rotations come (a deploy that changes the schedule rotates at once, and so
 * can an operator).
 */

/** A public JWK as published at /.well-known/jwks.json (RFC 7517, RFC 7518 §6.2). */
export interface PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

export interface Jwks {
  readonly keys: readonly PublicJwk[];
}

/** One key as the secret stores it: the private scalar `d` with its public point. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly createdAt: string;
  /** Not used to sign before this: backends and caches see a new key in the JWKS first. */
  readonly activeFrom: string;
  readonly x: string;
  readonly y: string;
  readonly d: string;
}

/** What the secret's value is: a version number, so a later format is told apart. */
export interface SigningKeySet {
  readonly v: 1;
  readonly keys: readonly StoredSigningKey[];
}

/** What picking the key to use needs of one: its id and when it starts. */
export interface ActiveKey {
  readonly kid: string;
  /** Epoch milliseconds. */
  readonly activeFrom: number;
}

/** A key ready to sign with, and to authenticate access tokens with (access-token.ts). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly activeFrom: number;
  readonly macKey: KeyObject;
}

export const EMPTY_JWKS: Jwks = { keys: [] };

/**
 * A new key waits this long before it signs: longer than the JWKS's
 * Cache-Control max-age, so a backend that cached the JWKS has refreshed it
 * before it meets the new kid. The first key of all signs at once.
 */
export const KEY_ACTIVATION_DELAY_MS = 60 * 60 * 1000;

/**
 * How long a replaced key stays in the set once its successor signs. A warm
 * authorizer that loaded the set before the successor existed signs with the
 * old key until its keys are DEFAULT_MAX_AGE_MS old (it reloads hourly, but a
 * failed reload keeps the keys in hand that long); one that has the successor
 * switches at its activeFrom. Either way the last signature with the old key
 * is at most DEFAULT_MAX_AGE_MS after the successor's activeFrom, and the
 * assertion it made is valid for at most MAX_ASSERTION_LIFETIME_SECONDS more
 * (it may sit in the verdict caches that long). After both, nothing a backend
 * is shown can need the old key: 6 h + 3660 s, 7 h 1 min.
 */
export const RETIRED_KEY_KEPT_MS = DEFAULT_MAX_AGE_MS + MAX_ASSERTION_LIFETIME_SECONDS * 1000;

/**
 * The public JWKS lives in a standard-tier SSM String parameter, whose value
 * may be at most 4 KB (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
 */
export const SSM_STANDARD_VALUE_BYTES = 4096;

/**
 * An upper bound on one published key, as JSON: a P-256 JWK with its kid is
 * 204 bytes (x, y and the kid are 43 base64url characters each), plus a comma
 * between keys. A test measures real ones against it.
 */
export const PUBLIC_JWK_BYTES = 210;

/**
 * The most keys a set holds, the new one included: what fits the SSM
 * parameter with a quarter of it to spare: 14 (about 2.9 KB of JWKS).
 * Reached only by many rotations within hours (by hand); a rotation that
 * would need more (every key still in use: RETIRED_KEY_KEPT_MS) fails
 * instead of dropping one, and succeeds once enough of them have retired.
 */
export const MAX_SIGNING_KEYS = Math.floor((SSM_STANDARD_VALUE_BYTES * 0.75) / PUBLIC_JWK_BYTES);

/** A rotation that would have to drop a key still in use to stay within MAX_SIGNING_KEYS. */
export class SigningKeySetFullError extends Error {
  constructor(
    readonly inUse: number,
    /** When the next kept key may go (its successor will have been active RETIRED_KEY_KEPT_MS): rotate after this. */
    readonly retryAfter: Date,
  ) {
    super(
      `${inUse} signing keys are still in use (an authorizer may sign with each, or an assertion it signed may still be valid), ` +
        `and a set holds at most ${MAX_SIGNING_KEYS} with the new key: no key was dropped and the rotation makes none; ` +
        `wait until ${retryAfter.toISOString()}, when the oldest has retired, and rotate again`,
    );
    this.name = 'SigningKeySetFullError';
  }
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** RFC 7638 JWK thumbprint (SHA-256, base64url): a kid derived from the public key alone. */
export function thumbprint(jwk: { readonly x: string; readonly y: string }): string {
  const canonical = JSON.stringify({ crv: 'P-256', kty: 'EC', x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** A fresh P-256 key pair from node:crypto's CSPRNG. */
export function generateSigningKey(now: Date, activeFrom: Date = now): StoredSigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined || jwk.d === undefined) throw new Error('node:crypto exported an incomplete EC key');
  return {
    kid: thumbprint({ x: jwk.x, y: jwk.y }),
    createdAt: now.toISOString(),
    activeFrom: activeFrom.toISOString(),
    x: jwk.x,
    y: jwk.y,
    d: jwk.d,
  };
}

/**
 * The set after one rotation: a new key first (signing an hour from now, or at
 * once if it is the first), then every previous key some instance may still
 * sign with. A key is dropped only once its successor (the next newer key) has
 * been active for longer than RETIRED_KEY_KEPT_MS; the key signing now and any
 * key not yet active always stay. When those and the new key would exceed
 * MAX_SIGNING_KEYS, nothing is dropped: it throws SigningKeySetFullError (the
 * rotation fails, and the current set stays as it is). Newest first.
 */
export function rotatedKeySet(previous: SigningKeySet | undefined, now: Date): SigningKeySet {
  const nowMs = now.getTime();
  const keys = newestFirst(previous?.keys ?? []);
  const kept = keys.filter((_, i) => {
    const successor = i === 0 ? undefined : keys[i - 1];
    return successor === undefined || nowMs - Date.parse(successor.activeFrom) <= RETIRED_KEY_KEPT_MS;
  });
  if (kept.length + 1 > MAX_SIGNING_KEYS) {
    // The oldest kept key goes once its successor has been active RETIRED_KEY_KEPT_MS; that frees one place.
    const oldestSuccessor = kept[kept.length - 2];
    const retryAfterMs = oldestSuccessor === undefined ? nowMs : Date.parse(oldestSuccessor.activeFrom) + RETIRED_KEY_KEPT_MS + 1;
    throw new SigningKeySetFullError(kept.length, new Date(retryAfterMs));
  }
  const activeFrom = kept.length === 0 ? now : new Date(nowMs + KEY_ACTIVATION_DELAY_MS);
  return { v: 1, keys: [generateSigningKey(now, activeFrom), ...kept] };
}

/** By activeFrom, newest first (the order the set is written in; sorted again so nothing relies on it). */
function newestFirst(keys: readonly StoredSigningKey[]): StoredSigningKey[] {
  return [...keys].sort((a, b) => Date.parse(b.activeFrom) - Date.parse(a.activeFrom));
}

export class SigningKeySetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeySetError';
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * Reads a secret's value as a key set. Throws SigningKeySetError, naming what
 * is wrong but never echoing the value (it holds private keys).
 */
export function parseSigningKeySet(text: string | undefined): SigningKeySet {
  if (text === undefined) throw new SigningKeySetError('the secret has no value');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SigningKeySetError('the secret is not a signing key set (not JSON)');
  }
  const set = value as Partial<SigningKeySet> | null;
  if (set?.v !== 1 || !Array.isArray(set.keys) || set.keys.length === 0) {
    throw new SigningKeySetError('the secret is not a signing key set');
  }
  for (const key of set.keys as unknown[]) {
    const { kid, x, y, d, createdAt, activeFrom } = (key ?? {}) as Partial<StoredSigningKey>;
    const encoded = [kid, x, y, d].every((field) => isText(field) && B64URL.test(field));
    if (!encoded || !isText(createdAt) || !isText(activeFrom) || !Number.isFinite(Date.parse(activeFrom))) {
      throw new SigningKeySetError('the secret holds a malformed signing key');
    }
    // The kid is the public key's thumbprint: a key whose parts were mixed up does not pass.
    if (thumbprint({ x: x ?? '', y: y ?? '' }) !== kid) throw new SigningKeySetError('the secret holds a malformed signing key');
  }
  return set as SigningKeySet;
}

export function publicJwks(set: SigningKeySet): Jwks {
  return { keys: set.keys.map(({ kid, x, y }) => ({ kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' })) };
}

/** The set's keys as KeyObjects, imported once (at load), not per signature. */
export function signingKeys(set: SigningKeySet): SigningKey[] {
  return set.keys.map((key) => ({
    kid: key.kid,
    activeFrom: Date.parse(key.activeFrom),
    privateKey: createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: key.x, y: key.y, d: key.d }, format: 'jwk' }),
    macKey: tokenMacKey(key.d),
  }));
}

/**
 * The key to sign with at `nowMs`: the newest one already active, never one
 * whose activeFrom is still ahead while any key is active (a backend may not
 * have fetched a new key yet: that is what the hour's wait is for).
 *
 * With no key active, it signs with the one that becomes active first (the
 * earliest activeFrom). That is the first key of all when this instance's
 * clock is a little behind the rotation function's, or `npm start`'s lone
 * key; and, should a set ever hold no active key, the pending key
 * published the longest, so the likeliest to be in every backend's JWKS
 * cache already. Failing closed instead would turn a
 * few seconds of clock skew after the first deploy into 500s.
 */
export function activeKey<K extends ActiveKey>(keys: readonly K[], nowMs: number): K {
  // One pass, no allocation (it runs once per signature), and no reliance on the set's order.
  let active: K | undefined;
  let first: K | undefined;
  for (const key of keys) {
    if (key.activeFrom <= nowMs && (active === undefined || key.activeFrom > active.activeFrom)) active = key;
    if (first === undefined || key.activeFrom < first.activeFrom) first = key;
  }
  const chosen = active ?? first;
  if (chosen === undefined) throw new SigningKeySetError('no signing key');
  return chosen;
}
