import { MAX_FIELD_LENGTH } from './device-codes';

/**
 * A registered single-page application, as an Auth0 application's settings
 * hold it. Every comparison against these lists is exact string equality, as
 * Auth0 compares URLs without wildcards: no prefix, case or trailing-slash
 * matching that an attacker's URL could slip through.
 */
export interface DevClient {
  readonly clientId: string;
  /** "Allowed Callback URLs": where `/authorize` may send a code. */
  readonly redirectUris: readonly string[];
  /** "Allowed Logout URLs": where `/v2/logout` may send the browser. */
  readonly logoutUrls: readonly string[];
  /**
   * "Allowed Web Origins" (and "Allowed Origins (CORS)"): the origins, such
   * as `http://127.0.0.1:3000`, that may frame the silent-authentication
   * page, receive its web message, and call `/oauth/token` from a page.
   */
  readonly webOrigins: readonly string[];
}

/** The registered clients; registering a client id again replaces it. */
export class ClientRegistry {
  private readonly clients = new Map<string, DevClient>();

  constructor(clients: readonly DevClient[] = []) {
    for (const client of clients) this.register(client);
  }

  /** Throws, naming the value, when a URL or origin is not one a browser could be sent to. */
  register(client: DevClient): void {
    const { clientId } = client;
    if (clientId === '' || clientId.length > MAX_FIELD_LENGTH) {
      throw new Error('clientId must be 1-256 characters');
    }
    for (const uri of client.redirectUris) checkUrl(clientId, 'redirect URI', uri);
    for (const uri of client.logoutUrls) checkUrl(clientId, 'logout URL', uri);
    for (const origin of client.webOrigins) checkOrigin(clientId, origin);
    // A copy: the caller's arrays may change later, the registration must not.
    this.clients.set(clientId, {
      clientId,
      redirectUris: [...client.redirectUris],
      logoutUrls: [...client.logoutUrls],
      webOrigins: [...client.webOrigins],
    });
  }

  get(clientId: string | undefined): DevClient | undefined {
    return clientId === undefined ? undefined : this.clients.get(clientId);
  }

  /** Whether some registered client lists `origin` among its web origins (CORS). */
  isWebOrigin(origin: string): boolean {
    for (const client of this.clients.values()) if (client.webOrigins.includes(origin)) return true;
    return false;
  }
}

/** A DNS name or an IP address: no `*`, which a CSP source (frame-ancestors, form-action) reads as a wildcard. */
const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/i;

function parseHttpUrl(value: string): URL | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && HOST.test(url.hostname) ? url : undefined;
}

/** An absolute http(s) URL without a fragment (RFC 6749 section 3.1.2). */
function checkUrl(clientId: string, what: string, value: string): void {
  if (parseHttpUrl(value) === undefined || value.includes('#')) {
    throw new Error(`Client ${clientId}: ${what} ${JSON.stringify(value)} is not an absolute http(s) URL without a fragment`);
  }
}

/** Exactly an origin, `scheme://host[:port]`, with no path or trailing slash. */
function checkOrigin(clientId: string, value: string): void {
  if (parseHttpUrl(value)?.origin !== value) {
    throw new Error(`Client ${clientId}: web origin ${JSON.stringify(value)} is not an origin such as http://127.0.0.1:3000`);
  }
}
