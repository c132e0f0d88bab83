import type { IncomingHttpHeaders } from 'node:http';
import { BoundedStore } from './bounded-store';
import { randomSecret, sha256 } from './opaque';

/**
 * The provider's sign-in sessions, like Auth0's session cookie: after one
 * sign-in, `/authorize` answers at once (single sign-on, and the hidden
 * iframe's `prompt=none`) until the session ends or `/v2/logout` clears it.
 *
 * The cookie holds only a random id; the user lives server-side, keyed by the
 * id's hash. `HttpOnly` keeps it from page scripts, `SameSite=Lax` from
 * cross-site subrequests. Cookies are not scoped by port, so every server on
 * 127.0.0.1 (the gateway too) receives it: it names a development login and
 * nothing else, and the access log redacts cookies.
 */

export const SESSION_COOKIE = 'dev_idp_session';
export const SESSION_LIFETIME_SECONDS = 24 * 60 * 60;
/** Most sessions held; beyond, the oldest is evicted (its user signs in again). */
export const MAX_SESSIONS = 1000;

export interface Session {
  readonly user: string;
  /** When the user signed in, in seconds since the epoch: the ID token's `auth_time`. */
  readonly authTime: number;
  readonly expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new BoundedStore<Session>(MAX_SESSIONS);

  constructor(private readonly now: () => number) {}

  /** A new session for `user`, and the Set-Cookie value that carries it. */
  create(user: string): { session: Session; cookie: string } {
    const at = this.now();
    const id = randomSecret();
    const session: Session = { user, authTime: Math.floor(at / 1000), expiresAt: at + SESSION_LIFETIME_SECONDS * 1000 };
    this.sessions.set(sha256(id), session, at);
    return { session, cookie: `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_LIFETIME_SECONDS}` };
  }

  /** The live session the request's cookie names, if any. */
  find(headers: IncomingHttpHeaders): Session | undefined {
    const id = sessionId(headers);
    return id === undefined ? undefined : this.sessions.get(sha256(id), this.now());
  }

  /** Ends the request's session, if any; answers the Set-Cookie value that clears the cookie. */
  end(headers: IncomingHttpHeaders): string {
    const id = sessionId(headers);
    if (id !== undefined) this.sessions.delete(sha256(id));
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`;
  }
}

/** The session cookie's value; the first one when a request repeats it. */
function sessionId(headers: IncomingHttpHeaders): string | undefined {
  for (const pair of (headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === SESSION_COOKIE) {
      const value = pair.slice(at + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}
