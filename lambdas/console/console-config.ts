import type { KeyPolicy } from '../domain/key-policy';
import { DEFAULT_GRACE_PERIOD_SECONDS, MAX_GRACE_PERIOD_SECONDS } from '../domain/key-policy';

/** The Auth0 application the console page logs in with, as @auth0/auth0-spa-js takes it. */
export interface ConsoleLogin {
  /** The identity provider's origin, `https://example.eu.auth0.com` (or the development IdP's `http://127.0.0.1:3001`). */
  readonly domain: string;
  readonly clientId: string;
  /** The API's identifier: the access tokens' audience. */
  readonly audience: string;
}

/**
 * `GET /console/config.json`: what the page and the drop-in component need
 * before their first call. Public, as the page itself is: a client id and
 * the operator's key rules are no secret (the API enforces the rules anyway).
 */
export interface ConsoleConfigDocument {
  /** Null until the operator sets CONSOLE_CLIENT_ID: the page says so. */
  readonly auth0: ConsoleLogin | null;
  readonly keys: {
    readonly allowedScopes: readonly string[];
    readonly maxLifetimeDays: number;
    readonly defaultLifetimeDays: number;
    readonly maxGraceSeconds: number;
    readonly defaultGraceSeconds: number;
  };
  /** auth0-spa-js's token worker (its `workerUrl`), served from this origin so the CSP needs no `blob:`. */
  readonly workerPath: string;
  /** The API's URL for the page's usage snippet; empty: the page's own origin (the console is served by the API). */
  readonly apiUrl: string;
}

export interface ConsoleSettings {
  readonly login: ConsoleLogin | undefined;
  readonly policy: Pick<KeyPolicy, 'allowedScopes' | 'maxLifetimeDays' | 'defaultLifetimeDays'>;
}

export function consoleConfigDocument(settings: ConsoleSettings, workerPath: string): ConsoleConfigDocument {
  const { policy } = settings;
  return {
    auth0: settings.login ?? null,
    keys: {
      allowedScopes: [...policy.allowedScopes],
      maxLifetimeDays: policy.maxLifetimeDays,
      defaultLifetimeDays: policy.defaultLifetimeDays,
      maxGraceSeconds: MAX_GRACE_PERIOD_SECONDS,
      defaultGraceSeconds: DEFAULT_GRACE_PERIOD_SECONDS,
    },
    workerPath,
    apiUrl: '',
  };
}
