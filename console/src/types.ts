/**
 * The API's shapes, as the README's "API" section describes them. Kept here (not imported from
 * lambdas/) so the browser bundle and its type-check depend on nothing server-side;
 * test/browser/user-api-keys-component.test.ts checks at compile time that these accept the
 * server's own types.
 */

export type KeyStatus = 'active' | 'disabled' | 'rotated' | 'expired' | 'revoked';
export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'disabled', 'rotated', 'expired', 'revoked'];

/** What an owner sees of a key: never its secret. */
export interface KeyView {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly status: KeyStatus;
  readonly enabled: boolean;
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
  /** Set (on a key read by id) when it was revoked because GitHub found it in public at `url`. */
  readonly revocation?: { readonly cause: 'leaked'; readonly url: string; readonly source: string };
  readonly disabledAt?: string;
  readonly rotatedAt?: string;
  readonly replacedBy?: string;
  readonly rotatedFrom?: string;
  /** `stormpath` for a key imported from a Stormpath export. */
  readonly origin?: string;
}

/** `POST /keys`'s answer: the only time the key itself is ever sent. */
export interface CreatedKey {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** `POST /keys/{id}/rotate`'s answer: a new key, and until when the old one still works. */
export interface RotatedKey extends CreatedKey {
  readonly rotatedFrom: string;
  readonly replaced: { readonly id: string; readonly expiresAt: string };
}

export interface KeyEvent {
  readonly type: string;
  readonly actor: string;
  readonly at: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly details?: Readonly<Record<string, string>>;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** The key policy and login settings, `GET /console/config.json`. */
export interface ConsoleConfig {
  readonly keys: {
    readonly allowedScopes: readonly string[];
    readonly maxLifetimeDays: number;
    readonly defaultLifetimeDays: number;
    readonly maxGraceSeconds: number;
    readonly defaultGraceSeconds: number;
  };
  /** Null until the operator sets CONSOLE_CLIENT_ID. */
  readonly auth0: { readonly domain: string; readonly clientId: string; readonly audience: string } | null;
  /** The token worker of @auth0/auth0-spa-js, an absolute path. */
  readonly workerPath: string;
  /** The API's public base URL, for usage examples. */
  readonly apiUrl: string;
}
