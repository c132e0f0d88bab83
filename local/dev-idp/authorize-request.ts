import type { ClientRegistry, DevClient } from './clients';
import { CODE_CHALLENGE_METHOD, isCodeChallenge } from './pkce';

/**
 * Reads `GET /authorize`'s query as Auth0 does for the Authorization Code
 * grant with PKCE (RFC 6749 section 4.1, RFC 7636). Until the client and its
 * redirect URI are known to be registered, nothing may be sent to that URI:
 * those failures are `refused` (an error page, RFC 6749 section 4.1.2.1).
 * Every later failure is answered to the client (`error`), as a redirect or
 * a web message, with its `state`.
 */

export type ResponseMode = 'query' | 'web_message';
export const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'web_message'];

/** Where, and how, the answer to an authorization request goes. */
export interface ResponseTarget {
  readonly client: DevClient;
  /** Exactly one of the client's redirect URIs. */
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly state: string | undefined;
}

export interface AuthorizationRequest extends ResponseTarget {
  readonly codeChallenge: string;
  readonly nonce: string | undefined;
  readonly audience: string;
  readonly scope: string | undefined;
  /** `none` (answer without a page), `login` (sign in again); anything else asks for nothing. */
  readonly prompt: 'none' | 'login' | undefined;
}

export type AuthorizeRequestReading =
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'error'; readonly target: ResponseTarget; readonly error: string; readonly description: string }
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest };

/** Longest state, nonce, scope or audience accepted: each is held in memory until the code is used. */
export const MAX_PARAMETER_LENGTH = 2048;
/** Longest value echoed into an error page. */
const MAX_ECHOED = 200;

const SINGLE_VALUED = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'state',
  'nonce',
  'scope',
  'audience',
  'prompt',
  'code_challenge',
  'code_challenge_method',
] as const;

/** OIDC's prompt values; `consent` and `select_account` need no page here (one user, first-party). */
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

export function readAuthorizeRequest(query: URLSearchParams, clients: ClientRegistry, defaultAudience: string): AuthorizeRequestReading {
  // A repeated parameter is ambiguous (RFC 6749 section 3.1): which redirect_uri would be meant?
  for (const name of SINGLE_VALUED) {
    if (query.getAll(name).length > 1) return { kind: 'refused', message: `The ${name} parameter is given more than once.` };
  }
  const value = (name: (typeof SINGLE_VALUED)[number]): string | undefined => {
    const given = query.get(name);
    return given === null || given === '' ? undefined : given;
  };

  const clientId = value('client_id');
  const client = clients.get(clientId);
  if (client === undefined) {
    return {
      kind: 'refused',
      message: clientId === undefined ? 'The client_id parameter is required.' : `Unknown client: ${shorten(clientId)}.`,
    };
  }
  const redirectUri = value('redirect_uri');
  if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
    return {
      kind: 'refused',
      message:
        redirectUri === undefined
          ? 'The redirect_uri parameter is required.'
          : `Callback URL mismatch: ${shorten(redirectUri)} is not one of the allowed callback URLs of client ${shorten(client.clientId)}.`,
    };
  }
  const mode = value('response_mode') ?? 'query';
  const responseMode = RESPONSE_MODES.find((known) => known === mode);
  if (responseMode === undefined) return { kind: 'refused', message: `Unsupported response_mode: ${shorten(mode)}.` };
  // A web message goes to the redirect URI's origin, which must be one the client lets receive it.
  if (responseMode === 'web_message' && !client.webOrigins.includes(new URL(redirectUri).origin)) {
    return {
      kind: 'refused',
      message: `The origin of ${shorten(redirectUri)} is not one of the allowed web origins of client ${shorten(client.clientId)}.`,
    };
  }
  const state = value('state');
  if (state !== undefined && state.length > MAX_PARAMETER_LENGTH) {
    return { kind: 'refused', message: `The state parameter is over ${MAX_PARAMETER_LENGTH} characters.` };
  }

  const target: ResponseTarget = { client, redirectUri, responseMode, state };
  const error = (code: string, description: string): AuthorizeRequestReading => ({ kind: 'error', target, error: code, description });

  if (value('response_type') !== 'code') {
    return error('unsupported_response_type', 'Unsupported response_type: only code (with PKCE) is supported.');
  }
  if (value('code_challenge_method') !== CODE_CHALLENGE_METHOD) {
    return error('invalid_request', 'code_challenge_method must be S256 (plain, the default, is not supported).');
  }
  const codeChallenge = value('code_challenge');
  if (!isCodeChallenge(codeChallenge)) {
    return error('invalid_request', 'code_challenge is required: 43-128 base64url characters (RFC 7636).');
  }
  const prompt = value('prompt');
  if (prompt !== undefined && !PROMPTS.has(prompt)) return error('invalid_request', 'prompt is none, login, consent or select_account.');
  const nonce = value('nonce');
  const scope = value('scope');
  const audience = value('audience');
  for (const [name, given] of [
    ['nonce', nonce],
    ['scope', scope],
    ['audience', audience],
  ] as const) {
    if (given !== undefined && given.length > MAX_PARAMETER_LENGTH) {
      return error('invalid_request', `The ${name} parameter is over ${MAX_PARAMETER_LENGTH} characters.`);
    }
  }
  return {
    kind: 'valid',
    request: {
      ...target,
      codeChallenge,
      nonce,
      audience: audience ?? defaultAudience,
      scope,
      prompt: prompt === 'none' || prompt === 'login' ? prompt : undefined,
    },
  };
}

function shorten(text: string): string {
  return text.length > MAX_ECHOED ? `${text.slice(0, MAX_ECHOED)}…` : text;
}
