import { CliError, EXIT } from './errors';

/** What the user must do to approve the login, shown while the CLI waits. */
export interface DevicePrompt {
  readonly verificationUri: string;
  readonly verificationUriComplete?: string;
  readonly userCode: string;
  readonly expiresInSeconds: number;
}

export interface DeviceLoginOptions {
  readonly authUrl: string;
  readonly clientId: string;
  readonly audience: string;
  readonly scope?: string | undefined;
  readonly onPrompt: (prompt: DevicePrompt) => void;
  readonly fetch?: typeof fetch | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface DeviceLoginResult {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function post(
  fetchImpl: typeof fetch,
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      // A redirect could carry the device code (good for a token) to another host, over plain http even.
      redirect: 'error',
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new CliError(
      `Cannot reach the identity provider at ${new URL(url).origin}: ${(error as Error).message}`,
      EXIT.server,
      'IDP_UNREACHABLE',
    );
  }
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // a non-JSON answer is handled by status below
  }
  return { status: response.status, body };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628), as Auth0 serves it:
 * ask for a device code, show the user where to approve it, then poll the
 * token endpoint, slowing down when told to, until approved, denied or expired.
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<DeviceLoginResult> {
  const fetchImpl = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const start = await post(fetchImpl, `${options.authUrl}/oauth/device/code`, {
    client_id: options.clientId,
    audience: options.audience,
    ...(options.scope ? { scope: options.scope } : {}),
  });
  const deviceCode = text(start.body.device_code);
  const userCode = text(start.body.user_code);
  const verificationUri = text(start.body.verification_uri);
  if (start.status !== 200 || deviceCode === undefined || userCode === undefined || verificationUri === undefined) {
    const reason = text(start.body.error_description) ?? text(start.body.error) ?? `HTTP ${start.status}`;
    throw new CliError(`The identity provider refused to start a login: ${reason}`, EXIT.auth, 'LOGIN_REFUSED');
  }
  const expiresIn = typeof start.body.expires_in === 'number' ? start.body.expires_in : 600;
  const verificationUriComplete = text(start.body.verification_uri_complete);
  options.onPrompt({
    verificationUri,
    userCode,
    expiresInSeconds: expiresIn,
    ...(verificationUriComplete !== undefined ? { verificationUriComplete } : {}),
  });

  let intervalMs = (typeof start.body.interval === 'number' ? start.body.interval : 5) * 1000;
  // Bounded by the code's own lifetime (plus slack for a slow provider).
  const maxPolls = Math.ceil((expiresIn * 1000) / Math.max(intervalMs, 1000)) + 10;
  for (let poll = 0; poll < maxPolls; poll += 1) {
    await sleep(intervalMs);
    const answer = await post(fetchImpl, `${options.authUrl}/oauth/token`, {
      grant_type: DEVICE_GRANT,
      device_code: deviceCode,
      client_id: options.clientId,
    });
    const accessToken = text(answer.body.access_token);
    if (answer.status === 200 && accessToken !== undefined) {
      return {
        accessToken,
        expiresInSeconds: typeof answer.body.expires_in === 'number' ? answer.body.expires_in : 3600,
      };
    }
    switch (answer.body.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        intervalMs += 5000; // RFC 8628 §3.5
        continue;
      case 'expired_token':
        throw new CliError('The login code expired before it was approved: run apikey login again', EXIT.auth, 'LOGIN_EXPIRED');
      case 'access_denied':
        throw new CliError('The login was denied', EXIT.auth, 'LOGIN_DENIED');
      default: {
        const reason = text(answer.body.error_description) ?? text(answer.body.error) ?? `HTTP ${answer.status}`;
        throw new CliError(`Login failed: ${reason}`, answer.status >= 500 ? EXIT.server : EXIT.auth, 'LOGIN_FAILED');
      }
    }
  }
  throw new CliError('The login code expired before it was approved: run apikey login again', EXIT.auth, 'LOGIN_EXPIRED');
}
