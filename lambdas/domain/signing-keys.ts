import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * The gateway's assertion signing keys: P-256 (ES256) key pairs, the newest
 * first. The private set lives only in the Secrets Manager secret (and in the
 * memory of the processes that sign); the public set is the JWKS backends
 * verify with. A rotation adds a new key and keeps the one before it, so both
 * stay published for a whole rotation period.
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

/** A key ready to sign with. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly activeFrom: number;
}

export const EMPTY_JWKS: Jwks = { keys: [] };

/**
 * A new key waits this long before it signs: longer than the JWKS's
 * Cache-Control max-age, so a backend that cached the JWKS has refreshed it
 * before it meets the new kid. The first key of all signs at once.
 */
export const KEY_ACTIVATION_DELAY_MS = 60 * 60 * 1000;

/** How many keys a set keeps: the newest and the one it replaces (the overlap). */
const KEPT_KEYS = 2;

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
 * The set after one rotation: a new key first, then the previous set's newest
 * key, still published (and still signing until the new one is active).
 */
export function rotatedKeySet(previous: SigningKeySet | undefined, now: Date): SigningKeySet {
  const kept = previous?.keys.slice(0, KEPT_KEYS - 1) ?? [];
  const activeFrom = kept.length === 0 ? now : new Date(now.getTime() + KEY_ACTIVATION_DELAY_MS);
  return { v: 1, keys: [generateSigningKey(now, activeFrom), ...kept] };
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
  }));
}

/** The newest key already active at `nowMs`, else the oldest (a lone new key signs at once). */
export function activeKey(keys: readonly SigningKey[], nowMs: number): SigningKey {
  const active = keys.find((key) => key.activeFrom <= nowMs) ?? keys[keys.length - 1];
  if (active === undefined) throw new SigningKeySetError('no signing key');
  return active;
}
