import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { closeServer, listenOnLoopback, readBody, sendJson } from './http-util';

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
 *   a user id instead of a login.
 */
export interface DevIdentityProvider {
  readonly url: string;
  /** `<url>/`, like Auth0's issuers. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  /** Signs a token directly (tests). */
  issueToken(sub: string, options?: { audience?: string; scope?: string; expiresInSeconds?: number }): Promise<string>;
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
  readonly deviceCodeLifetimeSeconds?: number;
  /** The polling interval a device-flow client must keep (`interval`); default 5, 0 turns slow_down off. */
  readonly devicePollIntervalSeconds?: number;
  /** Most device codes held at once (default 1000); beyond that, new ones are refused with 429. */
  readonly maxDeviceCodes?: number;
  /** Milliseconds since the epoch, for device-code expiry and slow_down (tests); default Date.now. Tokens keep real time. */
  readonly now?: () => number;
}

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

const TOKEN_LIFETIME_SECONDS = 3600;
const MAX_BODY_BYTES = 16 * 1024;
const DEFAULT_DEVICE_CODE_LIFETIME_SECONDS = 600;
const DEFAULT_DEVICE_POLL_INTERVAL_SECONDS = 5;
const DEFAULT_MAX_DEVICE_CODES = 1000;
const MAX_FIELD_LENGTH = 256;
/** Consonants without look-alikes (no vowels, so no words; no I/O/U/Y). */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

interface DeviceAuthorization {
  readonly deviceCode: string;
  /** Normalised: 8 letters, no dash. */
  readonly userCode: string;
  readonly clientId: string;
  readonly audience: string;
  readonly scope?: string;
  readonly expiresAt: number;
  lastPollAt?: number;
  status: 'pending' | 'approved' | 'denied';
  user?: string;
}

interface RequestBody {
  readonly params: Record<string, string | undefined>;
  readonly json: boolean;
}

export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  const deviceCodeLifetimeSeconds = options.deviceCodeLifetimeSeconds ?? DEFAULT_DEVICE_CODE_LIFETIME_SECONDS;
  const devicePollIntervalSeconds = options.devicePollIntervalSeconds ?? DEFAULT_DEVICE_POLL_INTERVAL_SECONDS;
  const maxDeviceCodes = options.maxDeviceCodes ?? DEFAULT_MAX_DEVICE_CODES;
  if (!Number.isInteger(deviceCodeLifetimeSeconds) || deviceCodeLifetimeSeconds < 1) {
    throw new Error('deviceCodeLifetimeSeconds must be a positive integer');
  }
  if (!Number.isInteger(devicePollIntervalSeconds) || devicePollIntervalSeconds < 0) {
    throw new Error('devicePollIntervalSeconds must be a non-negative integer');
  }
  if (!Number.isInteger(maxDeviceCodes) || maxDeviceCodes < 1) {
    throw new Error('maxDeviceCodes must be a positive integer');
  }
  const now = options.now ?? Date.now;

  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const server = createServer();
  const port = await listenOnLoopback(server, options.port);
  const url = `http://127.0.0.1:${port}`;
  const issuer = `${url}/`;

  /** By device code; `byUserCode` maps normalised user codes to the same entries. */
  const deviceCodes = new Map<string, DeviceAuthorization>();
  const byUserCode = new Map<string, DeviceAuthorization>();

  const issueToken: DevIdentityProvider['issueToken'] = (sub, tokenOptions = {}) =>
    sign(privateKey, kid, {
      issuer,
      sub,
      audience: tokenOptions.audience ?? options.audience,
      ...(tokenOptions.scope !== undefined ? { scope: tokenOptions.scope } : {}),
      expiresInSeconds: tokenOptions.expiresInSeconds ?? TOKEN_LIFETIME_SECONDS,
    });

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { error: 'server_error' });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestUrl = new URL(request.url ?? '/', url);
    const path = requestUrl.pathname;
    if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
      sendJson(response, 200, {
        issuer,
        jwks_uri: `${url}/.well-known/jwks.json`,
        token_endpoint: `${url}/oauth/token`,
        device_authorization_endpoint: `${url}/oauth/device/code`,
        grant_types_supported: ['client_credentials', DEVICE_CODE_GRANT_TYPE],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
      });
    } else if (request.method === 'GET' && path === '/.well-known/jwks.json') {
      sendJson(response, 200, { keys: [jwk] });
    } else if (request.method === 'POST' && path === '/oauth/token') {
      await tokenEndpoint(request, response);
    } else if (request.method === 'POST' && path === '/oauth/device/code') {
      await deviceCodeEndpoint(request, response);
    } else if (request.method === 'GET' && path === '/activate') {
      sendHtml(response, 200, activatePage(requestUrl.searchParams.get('user_code') ?? ''));
    } else if (request.method === 'POST' && path === '/activate') {
      await activateEndpoint(request, response);
    } else {
      sendJson(response, 404, { error: 'not_found', error_description: `No route ${request.method} ${path}` });
    }
  }

  async function tokenEndpoint(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readRequestBody(request);
    if (body === undefined) {
      sendJson(response, 400, { error: 'invalid_request', error_description: 'Send a JSON or form-encoded body' });
      return;
    }
    const { params } = body;
    if (params.grant_type === DEVICE_CODE_GRANT_TYPE) {
      await deviceCodeGrant(params, response);
      return;
    }
    if (params.grant_type !== 'client_credentials') {
      sendJson(response, 400, {
        error: 'unsupported_grant_type',
        error_description: `The development identity provider supports grant_type=client_credentials and grant_type=${DEVICE_CODE_GRANT_TYPE}`,
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

  async function deviceCodeGrant(params: Record<string, string | undefined>, response: ServerResponse): Promise<void> {
    const { device_code: deviceCode, client_id: clientId } = params;
    if (!deviceCode || !clientId) {
      sendJson(response, 400, { error: 'invalid_request', error_description: 'device_code and client_id are required' });
      return;
    }
    const at = now();
    dropLongExpired(at);
    const entry = deviceCodes.get(deviceCode);
    if (entry === undefined || entry.clientId !== clientId) {
      sendJson(response, 403, { error: 'invalid_grant', error_description: 'Invalid or expired device code.' }, noStore);
      return;
    }
    if (at >= entry.expiresAt) {
      sendJson(response, 403, { error: 'expired_token', error_description: 'The device code has expired. Request a new one.' }, noStore);
      return;
    }
    const lastPollAt = entry.lastPollAt;
    entry.lastPollAt = at;
    if (lastPollAt !== undefined && at - lastPollAt < devicePollIntervalSeconds * 1000) {
      sendJson(
        response,
        429,
        { error: 'slow_down', error_description: `Poll at most every ${devicePollIntervalSeconds} seconds.` },
        noStore,
      );
      return;
    }
    if (entry.status === 'pending') {
      sendJson(response, 403, { error: 'authorization_pending', error_description: 'User has yet to authorize device code.' }, noStore);
      return;
    }
    if (entry.status === 'denied') {
      sendJson(response, 403, { error: 'access_denied', error_description: 'User refused to authorize device code.' }, noStore);
      return;
    }
    // Approved: the code is good for one token.
    forget(entry);
    const token = await issueToken(entry.user!, {
      audience: entry.audience,
      ...(entry.scope !== undefined ? { scope: entry.scope } : {}),
    });
    sendJson(
      response,
      200,
      {
        access_token: token,
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_SECONDS,
        ...(entry.scope !== undefined ? { scope: entry.scope } : {}),
      },
      noStore,
    );
  }

  async function deviceCodeEndpoint(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readRequestBody(request);
    if (body === undefined) {
      sendJson(response, 400, { error: 'invalid_request', error_description: 'Send a JSON or form-encoded body' });
      return;
    }
    const { client_id: clientId, audience, scope } = body.params;
    if (!clientId || clientId.length > MAX_FIELD_LENGTH) {
      sendJson(response, 400, { error: 'invalid_request', error_description: 'client_id is required, 1-256 characters' });
      return;
    }
    const at = now();
    dropLongExpired(at);
    if (deviceCodes.size >= maxDeviceCodes) dropExpired(at);
    if (deviceCodes.size >= maxDeviceCodes) {
      sendJson(response, 429, {
        error: 'too_many_requests',
        error_description: 'Too many device codes are pending; approve, deny or let some expire first.',
      });
      return;
    }
    const entry: DeviceAuthorization = {
      deviceCode: randomBytes(32).toString('base64url'),
      userCode: newUserCode(),
      clientId,
      audience: audience || options.audience,
      ...(scope ? { scope } : {}),
      expiresAt: at + deviceCodeLifetimeSeconds * 1000,
      status: 'pending',
    };
    deviceCodes.set(entry.deviceCode, entry);
    byUserCode.set(entry.userCode, entry);
    const shownUserCode = formatUserCode(entry.userCode);
    sendJson(
      response,
      200,
      {
        device_code: entry.deviceCode,
        user_code: shownUserCode,
        verification_uri: `${url}/activate`,
        verification_uri_complete: `${url}/activate?user_code=${encodeURIComponent(shownUserCode)}`,
        expires_in: deviceCodeLifetimeSeconds,
        interval: devicePollIntervalSeconds,
      },
      noStore,
    );
  }

  async function activateEndpoint(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readRequestBody(request);
    const wantsJson = body?.json === true || (request.headers.accept ?? '').includes('application/json');
    const fail = (error: string, description: string): void => {
      if (wantsJson) sendJson(response, 400, { error, error_description: description });
      else sendHtml(response, 400, resultPage('Not approved', description, true));
    };
    if (body === undefined) {
      fail('invalid_request', 'Send a JSON or form-encoded body');
      return;
    }
    const { user_code: userCode, user, action } = body.params;
    if (action !== undefined && action !== 'approve' && action !== 'deny') {
      fail('invalid_request', 'action is approve (the default) or deny');
      return;
    }
    const deny = action === 'deny';
    if (!deny && !validUser(user)) {
      fail('invalid_request', 'user (the user id the token is for) is required, 1-256 characters');
      return;
    }
    const entry = userCode === undefined ? undefined : pendingByUserCode(userCode);
    if (entry === undefined) {
      fail('invalid_user_code', 'Unknown, expired or already used user code');
      return;
    }
    if (deny) {
      entry.status = 'denied';
      if (wantsJson) sendJson(response, 200, { approved: false });
      else sendHtml(response, 200, resultPage('Denied', `The device with code ${formatUserCode(entry.userCode)} will not get a token.`));
      return;
    }
    entry.status = 'approved';
    entry.user = user;
    if (wantsJson) sendJson(response, 200, { approved: true, user });
    else
      sendHtml(
        response,
        200,
        resultPage(
          'Approved',
          `The device with code ${formatUserCode(entry.userCode)} is now signed in as ${user}. You can close this page.`,
        ),
      );
  }

  /** The entry for a user code that can still be approved or denied. */
  function pendingByUserCode(userCode: string): DeviceAuthorization | undefined {
    const at = now();
    dropLongExpired(at);
    const entry = byUserCode.get(normaliseUserCode(userCode));
    if (entry === undefined || entry.status !== 'pending' || at >= entry.expiresAt) return undefined;
    return entry;
  }

  function newUserCode(): string {
    for (;;) {
      let code = '';
      for (let i = 0; i < USER_CODE_LENGTH; i += 1) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
      if (!byUserCode.has(code)) return code;
    }
  }

  function forget(entry: DeviceAuthorization): void {
    deviceCodes.delete(entry.deviceCode);
    if (byUserCode.get(entry.userCode) === entry) byUserCode.delete(entry.userCode);
  }

  /** Drops every expired code (to make room). */
  function dropExpired(at: number): void {
    for (const entry of deviceCodes.values()) if (at >= entry.expiresAt) forget(entry);
  }

  /**
   * Drops codes expired for longer than their lifetime. Until then a poll
   * still answers expired_token rather than invalid_grant.
   */
  function dropLongExpired(at: number): void {
    const graceMs = deviceCodeLifetimeSeconds * 1000;
    for (const entry of deviceCodes.values()) if (at >= entry.expiresAt + graceMs) forget(entry);
  }

  return {
    url,
    issuer,
    jwksUri: `${url}/.well-known/jwks.json`,
    audience: options.audience,
    issueToken,
    approveDeviceCode(userCode, user) {
      if (!validUser(user)) return false;
      const entry = pendingByUserCode(userCode);
      if (entry === undefined) return false;
      entry.status = 'approved';
      entry.user = user;
      return true;
    },
    stop: () => closeServer(server),
  };
}

const noStore = { 'cache-control': 'no-store' };

function validUser(user: string | undefined): user is string {
  return user !== undefined && user.length >= 1 && user.length <= MAX_FIELD_LENGTH;
}

/** Upper case, without dashes or spaces: `bcdf-ghjk` and `BCDFGHJK` are the same code. */
function normaliseUserCode(userCode: string): string {
  return userCode.replace(/[\s-]/g, '').toUpperCase();
}

function formatUserCode(userCode: string): string {
  return `${userCode.slice(0, 4)}-${userCode.slice(4)}`;
}

async function readRequestBody(request: IncomingMessage): Promise<RequestBody | undefined> {
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
      return {
        json: true,
        params: Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, typeof value === 'string' ? value : undefined])),
      };
    } catch {
      return undefined;
    }
  }
  return { json: false, params: Object.fromEntries(new URLSearchParams(text)) };
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}' +
  '.dev{background:#fff3cd;border:1px solid #e0c060;padding:.75rem;border-radius:.25rem}' +
  'label{display:block;margin:1rem 0 .25rem}input{font-size:1.1rem;padding:.3rem;width:100%;box-sizing:border-box}' +
  'button{margin:1rem .5rem 0 0;font-size:1rem;padding:.4rem 1rem}';

const DEV_NOTICE =
  '<p class="dev"><strong>Development identity provider.</strong> This page is a local stand-in for ' +
  "Auth0's login page: there is no password, and whoever can reach it may sign a device in as any user. " +
  'Never expose it beyond this machine.</p>';

function activatePage(userCode: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Device activation (development)</title>' +
    `<style>${PAGE_STYLE}</style></head><body><h1>Device activation (development)</h1>${DEV_NOTICE}` +
    '<form method="post" action="/activate">' +
    '<label for="user_code">Code shown on your device</label>' +
    `<input id="user_code" name="user_code" required autocomplete="off" placeholder="XXXX-XXXX" value="${escapeHtml(userCode.slice(0, 64))}">` +
    '<label for="user">Sign in as (user id, becomes the token&#39;s sub)</label>' +
    '<input id="user" name="user" maxlength="256" placeholder="alice" autocomplete="off">' +
    '<button type="submit" name="action" value="approve">Approve</button>' +
    '<button type="submit" name="action" value="deny">Deny</button>' +
    '</form></body></html>'
  );
}

function resultPage(title: string, message: string, retry = false): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} (development)</title>` +
    `<style>${PAGE_STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${DEV_NOTICE}` +
    `<p>${escapeHtml(message)}</p>${retry ? '<p><a href="/activate">Try again</a></p>' : ''}</body></html>`
  );
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
