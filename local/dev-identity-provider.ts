import { createServer } from 'node:http';
import { DeviceCodeStore } from './dev-idp/device-codes';
import { activateEndpoint, activateForm, deviceCodeEndpoint } from './dev-idp/device-endpoints';
import { discoveryEndpoint, jwksEndpoint } from './dev-idp/discovery';
import { createRouter } from './dev-idp/router';
import { tokenEndpoint } from './dev-idp/token-endpoint';
import { generateSigningKey, TokenSigner } from './dev-idp/token-signer';
import { closeServer, listenOnLoopback } from './http-util';

export { DEVICE_CODE_GRANT_TYPE } from './dev-idp/token-endpoint';

/**
 * A development stand-in for Auth0, on 127.0.0.1 only. It signs RS256 access
 * tokens like Auth0's, with no password, for trying the system on one machine:
 *
 * - `grant_type=client_credentials`: a token for whichever user id the caller
 *   names as client_id (a shortcut).
 * - The OAuth 2.0 Device Authorization Grant (RFC 8628), shaped like Auth0's:
 *   `POST /oauth/device/code`, then `POST /oauth/token` with
 *   `grant_type=urn:ietf:params:oauth:grant-type:device_code` until someone
 *   approves the user code at `/activate`, a development page that asks for
 *   a user id instead of a login. Another site's page cannot post to it
 *   (Origin checked), and wrong user codes are limited: 10 a minute, and a
 *   code locks after 5 wrong codes sharing its first four letters (see
 *   `dev-idp/device-codes.ts`).
 *
 * The pieces live in `dev-idp/`: the device-code store (the state machine),
 * the token signer, the pages, and one module per group of endpoints.
 */
export interface DevIdentityProvider {
  readonly url: string;
  /** `<url>/`, like Auth0's issuers. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  /** Signs a token directly (tests). */
  issueToken(
    sub: string,
    options?: { audience?: string | undefined; scope?: string | undefined; expiresInSeconds?: number | undefined },
  ): Promise<string>;
  /**
   * Approves a pending device-flow user code as `user` (tests), like
   * `POST /activate`. False when the code is unknown, expired or already
   * approved or denied, or when `user` is not 1-256 characters.
   */
  approveDeviceCode(userCode: string, user: string): boolean;
  stop(): Promise<void>;
}

export interface DevIdentityProviderOptions {
  readonly port: number;
  /** The audience tokens carry when the request names none: the local API's. */
  readonly audience: string;
  /** How long a device code stays usable (`expires_in`); default 600. */
  readonly deviceCodeLifetimeSeconds?: number | undefined;
  /** The polling interval a device-flow client must keep (`interval`); default 5, 0 turns slow_down off. */
  readonly devicePollIntervalSeconds?: number | undefined;
  /** Most device codes held at once (default 1000); beyond that, new ones are refused with 429. */
  readonly maxDeviceCodes?: number | undefined;
  /**
   * Milliseconds since the epoch (tests); default Date.now. One clock for
   * device-code expiry, slow_down, and the tokens' `iat` and `exp`.
   */
  readonly now?: (() => number) | undefined;
  /** The `permissions` of a token whose request names no scope (token-signer.ts); default none. */
  readonly defaultPermissions?: readonly string[] | undefined;
}

export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  // Built first: it checks the device-code options before a port is taken.
  const store = new DeviceCodeStore(options);
  const key = await generateSigningKey();
  const server = createServer();
  const port = await listenOnLoopback(server, options.port);
  const url = `http://127.0.0.1:${port}`;
  const issuer = `${url}/`;
  const signer = new TokenSigner({ key, issuer, now: options.now, defaultPermissions: options.defaultPermissions });
  const defaultAudience = options.audience;

  server.on(
    'request',
    createRouter(url, {
      'GET /.well-known/openid-configuration': discoveryEndpoint(url, issuer),
      'GET /.well-known/jwks.json': jwksEndpoint(signer.jwk),
      'POST /oauth/token': tokenEndpoint({ store, signer, defaultAudience }),
      'POST /oauth/device/code': deviceCodeEndpoint({ store, url, defaultAudience }),
      'GET /activate': activateForm,
      'POST /activate': activateEndpoint({ store, url }),
    }),
  );

  return {
    url,
    issuer,
    jwksUri: `${url}/.well-known/jwks.json`,
    audience: defaultAudience,
    issueToken: (sub, tokenOptions = {}) =>
      signer.sign({
        sub,
        audience: tokenOptions.audience ?? defaultAudience,
        scope: tokenOptions.scope,
        expiresInSeconds: tokenOptions.expiresInSeconds,
      }),
    approveDeviceCode: (userCode, user) => store.approve(userCode, user),
    stop: () => closeServer(server),
  };
}
