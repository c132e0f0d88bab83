import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { closeServer, listenOnLoopback, readBody, sendJson } from './http-util';

/**
 * A development stand-in for Auth0, on 127.0.0.1 only. It signs RS256 access
 * tokens like Auth0's for whichever user id the caller names as client_id:
 * a shortcut with no password, for trying the system on one machine.
 */
export interface DevIdentityProvider {
  readonly url: string;
  /** `<url>/`, like Auth0's issuers. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  /** Signs a token directly (tests). */
  issueToken(sub: string, options?: { audience?: string; scope?: string; expiresInSeconds?: number }): Promise<string>;
  stop(): Promise<void>;
}

export interface DevIdentityProviderOptions {
  readonly port: number;
  /** The audience tokens carry when the request names none: the local API's. */
  readonly audience: string;
}

const TOKEN_LIFETIME_SECONDS = 3600;
const MAX_BODY_BYTES = 16 * 1024;

export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const server = createServer();
  const port = await listenOnLoopback(server, options.port);
  const url = `http://127.0.0.1:${port}`;
  const issuer = `${url}/`;

  const issueToken: DevIdentityProvider['issueToken'] = (sub, tokenOptions = {}) =>
    sign(privateKey, kid, {
      issuer,
      sub,
      audience: tokenOptions.audience ?? options.audience,
      ...(tokenOptions.scope !== undefined ? { scope: tokenOptions.scope } : {}),
      expiresInSeconds: tokenOptions.expiresInSeconds ?? TOKEN_LIFETIME_SECONDS,
    });

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch(() => sendJson(response, 500, { error: 'server_error' }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', url).pathname;
    if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
      sendJson(response, 200, {
        issuer,
        jwks_uri: `${url}/.well-known/jwks.json`,
        token_endpoint: `${url}/oauth/token`,
        grant_types_supported: ['client_credentials'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
      });
    } else if (request.method === 'GET' && path === '/.well-known/jwks.json') {
      sendJson(response, 200, { keys: [jwk] });
    } else if (request.method === 'POST' && path === '/oauth/token') {
      await tokenEndpoint(request, response);
    } else {
      sendJson(response, 404, { error: 'not_found', error_description: `No route ${request.method} ${path}` });
    }
  }

  async function tokenEndpoint(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const params = await readTokenRequest(request);
    if (params === undefined) {
      sendJson(response, 400, { error: 'invalid_request', error_description: 'Send a JSON or form-encoded body' });
      return;
    }
    if (params.grant_type !== 'client_credentials') {
      sendJson(response, 400, {
        error: 'unsupported_grant_type',
        error_description: 'The development identity provider supports grant_type=client_credentials',
      });
      return;
    }
    const sub = params.client_id;
    if (sub === undefined || sub === '' || sub.length > 256) {
      sendJson(response, 400, { error: 'invalid_request', error_description: 'client_id (the user id) is required, 1-256 characters' });
      return;
    }
    const token = await issueToken(sub, {
      ...(params.audience ? { audience: params.audience } : {}),
      ...(params.scope ? { scope: params.scope } : {}),
    });
    sendJson(
      response,
      200,
      { access_token: token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS },
      { 'cache-control': 'no-store' },
    );
  }

  return {
    url,
    issuer,
    jwksUri: `${url}/.well-known/jwks.json`,
    audience: options.audience,
    issueToken,
    stop: () => closeServer(server),
  };
}

async function readTokenRequest(request: IncomingMessage): Promise<Record<string, string | undefined> | undefined> {
  let body: Buffer;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch {
    return undefined;
  }
  const text = body.toString('utf8');
  if ((request.headers['content-type'] ?? '').includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      return Object.fromEntries(
        Object.entries(parsed).map(([name, value]) => [name, typeof value === 'string' ? value : undefined]),
      );
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

async function sign(
  privateKey: KeyLike,
  kid: string,
  claims: { issuer: string; sub: string; audience: string; scope?: string; expiresInSeconds: number },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...(claims.scope !== undefined ? { scope: claims.scope } : {}) })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .setIssuer(claims.issuer)
    .setSubject(claims.sub)
    .setAudience(claims.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + claims.expiresInSeconds)
    .setJti(randomUUID())
    .sign(privateKey);
}
