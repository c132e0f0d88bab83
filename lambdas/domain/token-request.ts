import { basicCredentials } from './basic-credentials';

/**
 * Reading a token request (RFC 6749 §4.4.2, client credentials) and the
 * client's credentials (§2.3.1), without HTTP: the handler passes the
 * Authorization header, the content type and the body's text. Every refusal
 * is an OAuthError naming the problem, as §5.2 asks.
 */

/** §5.2's error codes that this endpoint can answer. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export interface ClientCredentialsRequest {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated `scope`, split; undefined when the client asked for none (it gets the key's own). */
  readonly scopes?: readonly string[] | undefined;
}

export interface RawTokenRequest {
  readonly authorization?: string | undefined;
  readonly contentType?: string | undefined;
  readonly body?: string | undefined;
}

/**
 * Client input shown in an `error_description`, which §5.2 limits to
 * %x20-21 / %x23-5B / %x5D-7E (printable ASCII without the double quote and backslash): cut
 * to `max` characters, anything else replaced by `?`.
 */
export function describable(text: string, max: number): string {
  return text.slice(0, max).replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}

/** Far above any real token request; a larger body is refused unparsed. */
export const MAX_TOKEN_REQUEST_BYTES = 8 * 1024;
const FORM = /^application\/x-www-form-urlencoded\s*(;.*)?$/i;
/** §A.4 scope-token: printable ASCII without space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * §2.3.1 has the client id and secret form-urlencoded before they are
 * base64-encoded, which most clients skip. A raw Stormpath secret holds `+`
 * and `/` but never `%`, and an encoded one holds `%2B` and `%2F` but never a
 * bare `+` (a space, which no secret has): so a part is decoded only when it
 * has a `%`, and either way means the same secret.
 */
function basicPart(part: string): string {
  if (!part.includes('%')) return part;
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_client', 'The client credentials are not correctly encoded');
  }
}

function clientCredentials(authorization: string): { clientId: string; clientSecret: string } {
  const basic = basicCredentials(authorization.trim());
  if (!basic.ok) {
    throw new OAuthError(
      'invalid_client',
      basic.problem === 'not-basic'
        ? 'Client authentication must use HTTP Basic (or client_id and client_secret in the body)'
        : 'The Basic credentials must be client_id:client_secret',
    );
  }
  return { clientId: basicPart(basic.user), clientSecret: basicPart(basic.password) };
}

/** The form's parameters, each at most once; one sent without a value is as if omitted (both §3.2). */
function formParameters(body: string): Map<string, string> {
  const parameters = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (seen.has(name)) throw new OAuthError('invalid_request', `The parameter '${describable(name, 40)}' is repeated`);
    seen.add(name);
    if (value !== '') parameters.set(name, value);
  }
  return parameters;
}

export function parseTokenRequest(request: RawTokenRequest): ClientCredentialsRequest {
  const body = request.body ?? '';
  if (Buffer.byteLength(body) > MAX_TOKEN_REQUEST_BYTES) {
    throw new OAuthError('invalid_request', `The request body is larger than ${MAX_TOKEN_REQUEST_BYTES} bytes`);
  }
  if (request.contentType === undefined || !FORM.test(request.contentType.trim())) {
    throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded');
  }
  const form = formParameters(body);
  const grantType = form.get('grant_type');
  if (grantType === undefined || grantType === '') throw new OAuthError('invalid_request', 'grant_type is required');
  if (grantType !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported');
  }
  const hasHeader = request.authorization !== undefined && request.authorization.trim() !== '';
  // A secret in the form besides Basic is a second authentication method (§2.3.1); a client_id alone, naming the
  // same client as the header, is not, and some clients send one.
  if (hasHeader && form.has('client_secret')) {
    throw new OAuthError(
      'invalid_request',
      'Use one client authentication method: the Basic header or client_id and client_secret, not both',
    );
  }
  let credentials: { clientId: string; clientSecret: string };
  if (hasHeader) {
    credentials = clientCredentials(request.authorization ?? '');
    const namedInForm = form.get('client_id');
    if (namedInForm !== undefined && namedInForm !== credentials.clientId) {
      throw new OAuthError('invalid_request', 'client_id in the body names another client than the Basic header');
    }
  } else {
    const clientId = form.get('client_id');
    const clientSecret = form.get('client_secret');
    if (clientId === undefined || clientSecret === undefined) {
      throw new OAuthError('invalid_client', 'Client authentication is required: HTTP Basic, or client_id and client_secret');
    }
    credentials = { clientId, clientSecret };
  }
  const scope = form.get('scope');
  if (scope === undefined) return credentials;
  const scopes = scope.split(' ').filter((token) => token !== '');
  if (scopes.length === 0 || !scopes.every((token) => SCOPE_TOKEN.test(token))) {
    throw new OAuthError('invalid_scope', 'scope must be one or more space-separated scopes');
  }
  return { ...credentials, scopes: [...new Set(scopes)] };
}
