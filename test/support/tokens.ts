import { FetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { AccessTokenVerifier } from '../../lambdas/auth/access-token-verifier';

/**
 * Test access tokens, Auth0-style, and AccessTokenVerifiers that get their JWKS
 * from an in-process fetcher: no network, and every fetch is counted.
 */

export const TEST_ISSUER = 'https://example.eu.auth0.com/';
export const TEST_AUDIENCE = 'https://api.example.com';
export const TEST_JWKS_URI = `${TEST_ISSUER}.well-known/jwks.json`;
export const DEFAULT_SUB = 'auth0|alice';

/** Algorithms the test issuer has keys (and JWKS entries) for. */
export type SigningAlg = 'RS256' | 'RS384' | 'ES256';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly publicKey: KeyLike;
  /** The public JWK as published in the JWKS (with kid, alg, use). */
  readonly jwk: JWK;
}

export type Claims = Record<string, unknown>;

export interface SignOptions {
  /** The header's alg, and which of the issuer's keys signs; defaults to RS256. */
  readonly alg?: SigningAlg;
  /** Sign with the key published for this alg instead (e.g. RS384 with the RS256 key). */
  readonly keyOf?: SigningAlg;
  /** The kid to put in the header (defaults to the signing key's own); `null` leaves kid out. */
  readonly kid?: string | null;
  /** Sign with a key that is not in the JWKS (an attacker's), under the given or real kid. */
  readonly untrustedKey?: boolean;
  /** The header's typ (default 'JWT'); `null` leaves it out. */
  readonly typ?: string | null;
  /** Claims to leave out of the defaults, e.g. ['exp'] or ['sub']. */
  readonly omit?: readonly string[];
}

export interface TokenIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  /** The public JWKS: one RS256, one RS384 and one ES256 key. */
  readonly jwks: { keys: JWK[] };
  /** The kid of the RS256 key. */
  readonly kid: string;
  /**
   * A signed token. Defaults: iss, aud, sub 'auth0|alice', iat now, exp in an
   * hour; `claims` override them, `options.omit` removes them.
   */
  signToken(claims?: Claims, options?: SignOptions): Promise<string>;
  /** `alg: none`: header and payload with the given (default: empty) signature part. */
  unsignedToken(claims?: Claims, options?: { kid?: string; signature?: string }): string;
  /** HS256 with the RS256 public key (SPKI PEM bytes) as the HMAC secret: the alg-confusion attack. */
  hmacWithPublicKeyToken(claims?: Claims): Promise<string>;
  /** The claims every token gets unless overridden or omitted. */
  defaultClaims(): Claims;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

async function signingKey(alg: SigningAlg, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/**
 * A test issuer with fresh keys. `jwksWithoutAlg` publishes the JWKs without
 * their `alg` member, as some identity providers do.
 */
export async function createTokenIssuer(
  options: { issuer?: string; audience?: string; jwksWithoutAlg?: boolean } = {},
): Promise<TokenIssuer> {
  const issuer = options.issuer ?? TEST_ISSUER;
  const audience = options.audience ?? TEST_AUDIENCE;
  const [rs256, rs384, es256, untrustedRs256] = await Promise.all([
    signingKey('RS256', 'rs256-key'),
    signingKey('RS384', 'rs384-key'),
    signingKey('ES256', 'es256-key'),
    signingKey('RS256', 'untrusted-key'),
  ]);
  const keys: Record<SigningAlg, SigningKey> = { RS256: rs256, RS384: rs384, ES256: es256 };

  const defaultClaims = (): Claims => {
    const now = nowSeconds();
    return { iss: issuer, aud: audience, sub: DEFAULT_SUB, iat: now, exp: now + 3600 };
  };

  const payloadOf = (claims: Claims, omit: readonly string[] = []): Claims => {
    const payload: Claims = { ...defaultClaims(), ...claims };
    return Object.fromEntries(Object.entries(payload).filter(([name]) => !omit.includes(name)));
  };

  return {
    issuer,
    audience,
    jwksUri: new URL('.well-known/jwks.json', issuer).toString(),
    jwks: {
      keys: [rs256.jwk, rs384.jwk, es256.jwk].map(({ alg, ...jwk }) =>
        options.jwksWithoutAlg === true || alg === undefined ? jwk : { ...jwk, alg },
      ),
    },
    kid: rs256.kid,
    defaultClaims,

    async signToken(claims = {}, signOptions = {}) {
      const alg = signOptions.alg ?? 'RS256';
      const published = keys[signOptions.keyOf ?? alg];
      const key = signOptions.untrustedKey === true ? untrustedRs256 : published;
      const kid = signOptions.kid === undefined ? published.kid : signOptions.kid;
      return new SignJWT(payloadOf(claims, signOptions.omit))
        .setProtectedHeader({
          alg,
          ...(signOptions.typ === null ? {} : { typ: signOptions.typ ?? 'JWT' }),
          ...(kid === null ? {} : { kid }),
        })
        .sign(key.privateKey);
    },

    unsignedToken(claims = {}, unsignedOptions = {}) {
      const header = { alg: 'none', typ: 'JWT', ...(unsignedOptions.kid !== undefined ? { kid: unsignedOptions.kid } : {}) };
      return `${encodeJson(header)}.${encodeJson(payloadOf(claims))}.${unsignedOptions.signature ?? ''}`;
    },

    async hmacWithPublicKeyToken(claims = {}) {
      const secret = new TextEncoder().encode(await exportSPKI(rs256.publicKey));
      return new SignJWT(payloadOf(claims)).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: rs256.kid }).sign(secret);
    },
  };
}

/** A Fetcher that serves a fixed JWKS from memory and counts what was asked of it. */
export interface CountingFetcher extends Fetcher {
  readonly fetchedUris: string[];
  readonly fetchCount: number;
}

function toArrayBuffer(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/** A fetcher that records each URI it is asked for, then answers with `respond`. */
function countingFetcher(respond: (uri: string) => ArrayBuffer): CountingFetcher {
  const fetchedUris: string[] = [];
  return {
    fetchedUris,
    get fetchCount() {
      return fetchedUris.length;
    },
    fetch: (uri: string) => {
      fetchedUris.push(uri);
      return Promise.resolve(respond(uri));
    },
  };
}

export function jwksFetcher(jwks: { keys: JWK[] }): CountingFetcher {
  return servingText(JSON.stringify(jwks));
}

/** A fetcher that serves `body` (any text, valid JWKS or not) as the JWKS document, counting fetches. */
export function servingText(body: string): CountingFetcher {
  return countingFetcher(() => toArrayBuffer(body));
}

/** The identity provider is down: every fetch fails as aws-jwt-verify's own fetcher would. */
export function failingFetcher(): CountingFetcher {
  return countingFetcher((uri) => {
    throw new FetchError(uri, 'down');
  });
}

export interface TestVerifier {
  readonly verifier: AccessTokenVerifier;
  readonly fetcher: CountingFetcher;
}

/** A real AccessTokenVerifier for `tokens`' issuer and audience, its JWKS served by `fetcher`. */
export function createTestVerifier(
  tokens: TokenIssuer,
  options: { requiredScope?: string; fetcher?: CountingFetcher; audience?: string; allowMachineTokens?: boolean } = {},
): TestVerifier {
  const fetcher = options.fetcher ?? jwksFetcher(tokens.jwks);
  const verifier = new AccessTokenVerifier({
    issuer: tokens.issuer,
    audience: options.audience ?? tokens.audience,
    jwksUri: tokens.jwksUri,
    jwksCache: new SimpleJwksCache({ fetcher }),
    ...(options.requiredScope !== undefined ? { requiredScope: options.requiredScope } : {}),
    ...(options.allowMachineTokens !== undefined ? { allowMachineTokens: options.allowMachineTokens } : {}),
  });
  return { verifier, fetcher };
}
