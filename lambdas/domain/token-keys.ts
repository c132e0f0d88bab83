import { createSecretKey } from 'node:crypto';
import { tokenMacBytes, type TokenKey } from './access-token';
import type { ActiveKey, SigningKeySet } from './signing-keys';

/**
 * The access tokens' MAC keys, as their own secret holds them
 * (`ACCESS_TOKEN_KEYS_SECRET_ARN`): one per signing key, derived from it
 * (access-token.ts) and written by the signing-key rotation, so the token
 * exchange, a public function, never holds a key that can sign an assertion.
 * The authorizer, which has the signing keys, derives the same MAC keys.
 */
export interface StoredTokenKey {
  readonly kid: string;
  /** ISO-8601, the signing key's own: tokens are minted with the key signing now. */
  readonly activeFrom: string;
  /** The 32-byte MAC key, base64url. */
  readonly mac: string;
}

export interface TokenKeySet {
  readonly v: 1;
  readonly keys: readonly StoredTokenKey[];
}

export type LoadedTokenKey = TokenKey & ActiveKey;

export class TokenKeySetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenKeySetError';
  }
}

/** The MAC keys of every key of a signing key set. */
export function tokenKeySetOf(set: SigningKeySet): TokenKeySet {
  return {
    v: 1,
    keys: set.keys.map((key) => ({ kid: key.kid, activeFrom: key.activeFrom, mac: tokenMacBytes(key.d).toString('base64url') })),
  };
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Reads a secret's value as a MAC key set; the error names what is wrong, never the value. */
export function parseTokenKeySet(text: string | undefined): TokenKeySet {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new TokenKeySetError('the secret is not an access token key set (not JSON): the signing keys have not rotated since it was made');
  }
  const set = value as Partial<TokenKeySet> | null;
  if (set?.v !== 1 || !Array.isArray(set.keys) || set.keys.length === 0)
    throw new TokenKeySetError('the secret is not an access token key set');
  for (const key of set.keys as unknown[]) {
    const { kid, activeFrom, mac } = (key ?? {}) as Partial<StoredTokenKey>;
    const wellFormed =
      typeof kid === 'string' &&
      B64URL.test(kid) &&
      typeof mac === 'string' &&
      B64URL.test(mac) &&
      Buffer.from(mac, 'base64url').length === 32 &&
      typeof activeFrom === 'string' &&
      Number.isFinite(Date.parse(activeFrom));
    if (!wellFormed) throw new TokenKeySetError('the secret holds a malformed access token key');
  }
  return set as TokenKeySet;
}

/** The set's keys as KeyObjects, imported once per load. */
export function loadedTokenKeys(set: TokenKeySet): LoadedTokenKey[] {
  return set.keys.map((key) => ({
    kid: key.kid,
    activeFrom: Date.parse(key.activeFrom),
    macKey: createSecretKey(Buffer.from(key.mac, 'base64url')),
  }));
}
