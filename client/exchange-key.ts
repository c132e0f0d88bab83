import { checkedBaseUrl } from './base-url';
import { ApiError } from './errors';
import { objectBody, realSleep, send, type FetchLike, type Transport } from './http';
import type { TokenGrant } from './types';

export interface ExchangeKeyOptions {
  /** The API gateway's URL: https, or plain http to this machine only (else INSECURE_ENDPOINT, before any request). */
  readonly endpoint: string;
  /** The whole key (`uak_<id>_<secret>`); for an imported Stormpath pair, its secret. */
  readonly key: string;
  /** The key's id; read from the key itself when left out (a Stormpath pair must give its id). */
  readonly keyId?: string | undefined;
  /** A subset of the key's scopes for the token; all of them by default. */
  readonly scopes?: readonly string[] | undefined;
  readonly fetch?: FetchLike | undefined;
  readonly userAgent?: string | undefined;
}

/** A native key is `<prefix>_<22-character id>_<secret and checksum>`. */
const NATIVE_KEY = /^[a-z0-9]{2,10}_([0-9A-Za-z]{22})_[0-9A-Za-z]{49}$/;

/**
 * `POST /oauth/token` with `grant_type=client_credentials` (RFC 6749 §4.4): the key, as client id
 * and secret, for a short-lived access token that works at the gateway like the key itself
 * (`Authorization: Bearer <access_token>`), with the scopes asked for. A refusal is an ApiError
 * with OAuth's code: `invalid_client` (unknown, revoked, disabled or expired key: all alike),
 * `invalid_scope`, `invalid_request`.
 */
export async function exchangeKey(options: ExchangeKeyOptions): Promise<TokenGrant> {
  const endpoint = checkedBaseUrl(options.endpoint, 'endpoint', 'the API key');
  const keyId = options.keyId ?? NATIVE_KEY.exec(options.key)?.[1];
  if (keyId === undefined) {
    // Said without echoing the value: it is a secret.
    throw new ApiError('The key is not one this API issues: give keyId with it', { code: 'invalid_client' });
  }
  const transport: Transport = { fetch: options.fetch ?? fetch, sleep: realSleep, now: () => new Date(), timeoutMs: 30_000 };
  // §2.3.1: each part form-encoded, then Basic.
  const basic = Buffer.from(`${encodeURIComponent(keyId)}:${encodeURIComponent(options.key)}`).toString('base64');
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (options.scopes !== undefined) form.set('scope', options.scopes.join(' '));
  const answer = await send(transport, {
    url: `${endpoint}/oauth/token`,
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...(options.userAgent !== undefined ? { 'user-agent': options.userAgent } : {}),
    },
    body: form.toString(),
    retry: false,
    target: endpoint,
  });
  return objectBody<TokenGrant>(answer, ['access_token', 'expires_in']);
}
