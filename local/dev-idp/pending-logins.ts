import type { AuthorizationRequest } from './authorize-request';
import { BoundedStore } from './bounded-store';
import { randomSecret } from './opaque';

/**
 * Authorization requests waiting at the login page. The page's form carries
 * only an opaque id; the request's parameters stay here, checked once, so
 * nothing posted back (a redirect URI, a challenge) is trusted.
 */

export const PENDING_LOGIN_LIFETIME_SECONDS = 600;
/** Any GET of /authorize makes one, so they are few and short-lived; beyond, the oldest is evicted. */
export const MAX_PENDING_LOGINS = 1000;

interface PendingLogin {
  readonly request: AuthorizationRequest;
  readonly expiresAt: number;
}

export class PendingLogins {
  private readonly logins = new BoundedStore<PendingLogin>(MAX_PENDING_LOGINS);

  constructor(private readonly now: () => number) {}

  /** The id the login form posts back. */
  start(request: AuthorizationRequest): string {
    const at = this.now();
    const id = randomSecret();
    this.logins.set(id, { request, expiresAt: at + PENDING_LOGIN_LIFETIME_SECONDS * 1000 }, at);
    return id;
  }

  find(id: string | undefined): AuthorizationRequest | undefined {
    return id === undefined ? undefined : this.logins.get(id, this.now())?.request;
  }

  /** Once signed in, the request cannot be answered twice. */
  finish(id: string): void {
    this.logins.delete(id);
  }
}
