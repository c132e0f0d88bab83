import { checkedBaseUrl } from './base-url';
import { ApiError, type LoginErrorCode } from './errors';
import { realSleep, send, type FetchLike, type HttpAnswer, type Transport } from './http';

/** What the user must do to approve the login: show it, then wait. */
export interface DevicePrompt {
  readonly verificationUri: string;
  /** The same page with the code filled in, when the provider gives one. */
  readonly verificationUriComplete?: string;
  readonly userCode: string;
  readonly expiresInSeconds: number;
}

export interface DeviceLoginOptions {
  /** The identity provider's origin: `https://<tenant>.auth0.com` (or your custom domain); plain http only to this machine. */
  readonly authUrl: string;
  /** Your CLI's application in Auth0: a Native application with the Device Code grant. */
  readonly clientId: string;
  /** The API's audience (identifier) in Auth0. */
  readonly audience: string;
  /** Space-separated scopes to ask for besides the API's defaults. */
  readonly scope?: string | undefined;
  readonly onPrompt: (prompt: DevicePrompt) => void;
  readonly fetch?: FetchLike | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface DeviceLoginResult {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const fields = (answer: HttpAnswer): Record<string, unknown> =>
  typeof answer.body === 'object' && answer.body !== null ? (answer.body as Record<string, unknown>) : {};

/** A form POST to the identity provider; its answer whatever the status (the flow reads OAuth's errors itself). */
async function post(transport: Transport, authUrl: string, path: string, form: Record<string, string>): Promise<HttpAnswer> {
  try {
    return await send(transport, {
      url: `${authUrl}${path}`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      retry: false,
      target: `the identity provider at ${new URL(authUrl).origin}`,
      returnErrors: true,
    });
  } catch (error) {
    // No answer: the provider is out of reach (or redirected, which is never followed).
    if (error instanceof ApiError && error.code === 'NETWORK_ERROR')
      throw new ApiError(error.message, { code: 'IDP_UNREACHABLE', cause: error });
    throw error;
  }
}

function loginError(code: LoginErrorCode, message: string, status?: number): ApiError {
  return new ApiError(message, { code, status });
}

/** The provider's words for a refusal, or its status. */
function reason(answer: HttpAnswer): string {
  const body = fields(answer);
  return text(body.error_description) ?? text(body.error) ?? `HTTP ${answer.status}`;
}

/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628), as Auth0 serves it: ask for a device code,
 * show the user where to approve it (`onPrompt`), then poll the token endpoint, slowing down
 * when told to, until approved (the access token), denied or expired (an ApiError: LOGIN_DENIED,
 * LOGIN_EXPIRED, LOGIN_REFUSED, LOGIN_FAILED, or IDP_UNREACHABLE). No redirect is followed: the
 * device code is as good as a token to whoever holds it; for that reason too, an `authUrl` that is not
 * https (plain http off this machine) is refused before any request (INSECURE_ENDPOINT).
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<DeviceLoginResult> {
  const authUrl = checkedBaseUrl(options.authUrl, 'identity provider', 'the device code and the access token');
  const transport: Transport = {
    fetch: options.fetch ?? fetch,
    sleep: options.sleep ?? realSleep,
    now: () => new Date(),
    timeoutMs: 15_000,
  };
  const start = await post(transport, authUrl, '/oauth/device/code', {
    client_id: options.clientId,
    audience: options.audience,
    ...(options.scope !== undefined && options.scope !== '' ? { scope: options.scope } : {}),
  });
  const started = fields(start);
  const deviceCode = text(started.device_code);
  const userCode = text(started.user_code);
  const verificationUri = text(started.verification_uri);
  if (start.status !== 200 || deviceCode === undefined || userCode === undefined || verificationUri === undefined) {
    throw loginError('LOGIN_REFUSED', `The identity provider refused to start a login: ${reason(start)}`, start.status);
  }
  const expiresIn = typeof started.expires_in === 'number' ? started.expires_in : 600;
  const verificationUriComplete = text(started.verification_uri_complete);
  options.onPrompt({
    verificationUri,
    userCode,
    expiresInSeconds: expiresIn,
    ...(verificationUriComplete !== undefined ? { verificationUriComplete } : {}),
  });

  let intervalMs = (typeof started.interval === 'number' ? started.interval : 5) * 1000;
  // Bounded by the code's own lifetime (plus slack for a slow provider).
  const maxPolls = Math.ceil((expiresIn * 1000) / Math.max(intervalMs, 1000)) + 10;
  for (let poll = 0; poll < maxPolls; poll += 1) {
    await transport.sleep(intervalMs);
    const answer = await post(transport, authUrl, '/oauth/token', {
      grant_type: DEVICE_GRANT,
      device_code: deviceCode,
      client_id: options.clientId,
    });
    const body = fields(answer);
    const accessToken = text(body.access_token);
    if (answer.status === 200 && accessToken !== undefined) {
      return { accessToken, expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 3600 };
    }
    switch (body.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        intervalMs += 5000; // RFC 8628 §3.5
        continue;
      case 'expired_token':
        throw loginError('LOGIN_EXPIRED', 'The login code expired before it was approved', answer.status);
      case 'access_denied':
        throw loginError('LOGIN_DENIED', 'The login was denied', answer.status);
      default:
        throw loginError('LOGIN_FAILED', `Login failed: ${reason(answer)}`, answer.status);
    }
  }
  throw loginError('LOGIN_EXPIRED', 'The login code expired before it was approved');
}
