/**
 * What the operator brands the CLI with at build time (`npm run build:cli`):
 * the command's name and where it points by default, so their users need no
 * configuration. The build replaces `__APIKEY_BRAND__` (esbuild's `define`);
 * run from this repository, the CLI points at `npm start`.
 */
export interface Brand {
  /** The command users type, and the name its messages use ("run <command> login"). */
  readonly command: string;
  /** The gateway URL. */
  readonly endpoint: string;
  /** The identity provider: an Auth0 domain or an origin. */
  readonly authDomain: string;
  /** The CLI's application in Auth0 (a native app with the device code grant). */
  readonly clientId: string;
  /** The API's audience in Auth0. */
  readonly audience: string;
}

declare const __APIKEY_BRAND__: Brand | undefined;

/** `npm start`'s gateway and development IdP. */
export const LOCAL_BRAND: Brand = {
  command: 'apikey',
  endpoint: 'http://127.0.0.1:3000',
  authDomain: 'http://127.0.0.1:3001',
  clientId: 'apikey-cli',
  audience: 'https://user-api-keys.local',
};

export const BRAND: Brand = typeof __APIKEY_BRAND__ !== 'undefined' ? __APIKEY_BRAND__ : LOCAL_BRAND;
