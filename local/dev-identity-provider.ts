import { createServer } from 'node:http';
import { AuthorizationCodeStore } from './dev-idp/authorization-codes';
import { authorizeEndpoints } from './dev-idp/authorize-endpoint';
import { ClientRegistry, type DevClient } from './dev-idp/clients';
import { corsPreflight, withCors } from './dev-idp/cors';
import { DeviceCodeStore } from './dev-idp/device-codes';
import { activateEndpoint, activateForm, deviceCodeEndpoint } from './dev-idp/device-endpoints';
import { discoveryEndpoint, jwksEndpoint } from './dev-idp/discovery';
import { IdTokenSigner } from './dev-idp/id-token';
import { loadOrCreateSigningKey } from './dev-idp/key-file';
import { logoutEndpoint } from './dev-idp/logout-endpoint';
import { PendingLogins } from './dev-idp/pending-logins';
import { RefreshTokenStore } from './dev-idp/refresh-tokens';
import { createRouter } from './dev-idp/router';
import { SessionStore } from './dev-idp/sessions';
import { tokenEndpoint } from './dev-idp/token-endpoint';
import { generateSigningKey, TokenSigner } from './dev-idp/token-signer';
import { userTokenGrants } from './dev-idp/user-token-grants';
import { closeServer, listenOnLoopback } from './http-util';

export type { DevClient } from './dev-idp/clients';
export { DEVICE_CODE_GRANT_TYPE } from './dev-idp/token-endpoint';

/**
 * A development stand-in for Auth0, on 127.0.0.1 only. It signs RS256 tokens
 * like Auth0's, with no password, for trying the system on one machine:
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
 * - For a browser app using auth0-spa-js, registered with `registerClient`
 *   (exact redirect URIs, logout URLs and web origins, as an Auth0
 *   application's settings): `GET /authorize`, the Authorization Code grant
 *   with PKCE (S256 only), answered by redirect (`response_mode=query`) or,
 *   for the hidden iframe of silent authentication, by a web message
 *   (`response_mode=web_message`, `prompt=none`). Without a session it shows
 *   a development login page asking for a user id (`POST /login`, Origin
 *   checked), which starts a session cookie. `POST /oauth/token` then takes
 *   `grant_type=authorization_code` (ID token, access token, and a rotating
 *   refresh token for `offline_access`) and `grant_type=refresh_token`
 *   (reuse of a retired token revokes its family), with CORS for the
 *   registered web origins. `GET /v2/logout` ends the session and returns
 *   only to a registered logout URL.
 *
 * With `keyFile`, the signing key survives restarts. The pieces live in
 * `dev-idp/`: the stores (device codes, authorization codes, sessions,
 * pending logins, refresh tokens), the signers, the pages, and one module
 * per group of endpoints.
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
  /**
   * Registers a browser app (a SPA), or replaces the one with its client id.
   * Callable once started: the gateway's port, in its URLs, is known only
   * then. Throws when a URL or origin is malformed.
   */
  registerClient(client: DevClient): void;
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
   * every expiry (device and authorization codes, sessions, refresh tokens),
   * slow_down, and the tokens' `iat` and `exp`.
   */
  readonly now?: (() => number) | undefined;
  /** The `permissions` of a token whose request names no scope (token-signer.ts); default none. */
  readonly defaultPermissions?: readonly string[] | undefined;
  /** Browser apps registered from the start (see `registerClient`). */
  readonly clients?: readonly DevClient[] | undefined;
  /**
   * An absolute path for the signing key, e.g. `<dataDir>/dev-idp-signing-key.json`:
   * read when it exists, else made and written (mode 0600). A corrupt file is
   * an error naming it. Without it, a new key each start.
   */
  readonly keyFile?: string | undefined;
}

export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  // Built first: they check the options before a port is taken.
  const store = new DeviceCodeStore(options);
  const clients = new ClientRegistry(options.clients);
  const key = options.keyFile !== undefined ? await loadOrCreateSigningKey(options.keyFile) : await generateSigningKey();
  const now = options.now ?? Date.now;
  const server = createServer();
  const port = await listenOnLoopback(server, options.port);
  const url = `http://127.0.0.1:${port}`;
  const issuer = `${url}/`;
  const signer = new TokenSigner({ key, issuer, now, defaultPermissions: options.defaultPermissions });
  const defaultAudience = options.audience;
  const sessions = new SessionStore(now);
  const codes = new AuthorizationCodeStore(now);
  const userGrants = userTokenGrants({
    clients,
    codes,
    refreshTokens: new RefreshTokenStore(now),
    signer,
    idTokens: new IdTokenSigner({ key, issuer, now }),
  });
  const { authorize, login } = authorizeEndpoints({ clients, sessions, logins: new PendingLogins(now), codes, url, defaultAudience });

  server.on(
    'request',
    createRouter(url, {
      'GET /.well-known/openid-configuration': discoveryEndpoint(url, issuer),
      'GET /.well-known/jwks.json': jwksEndpoint(signer.jwk),
      'POST /oauth/token': withCors(clients, tokenEndpoint({ store, signer, defaultAudience, userGrants })),
      'OPTIONS /oauth/token': corsPreflight(clients),
      'POST /oauth/device/code': deviceCodeEndpoint({ store, url, defaultAudience }),
      'GET /activate': activateForm,
      'POST /activate': activateEndpoint({ store, url }),
      'GET /authorize': authorize,
      'POST /login': login,
      'GET /v2/logout': logoutEndpoint({ clients, sessions }),
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
    registerClient: (client) => {
      clients.register(client);
    },
    stop: () => closeServer(server),
  };
}
