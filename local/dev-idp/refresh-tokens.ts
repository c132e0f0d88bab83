import type { UserGrant } from './authorization-codes';
import { BoundedStore } from './bounded-store';
import { randomSecret, sha256 } from './opaque';

/**
 * Rotating refresh tokens, as Auth0's refresh-token rotation issues them to
 * SPAs: each use answers a new refresh token and retires the one used; using
 * a retired one again is reuse (a stolen copy, or the victim's, comes second)
 * and revokes the whole family, every token descended from the same sign-in.
 * No reuse interval: Auth0's default overlap is 0 seconds.
 *
 * A token is `<family id>.<secret>`, opaque to clients; only the hashes of
 * a family's tokens are kept. Lifetimes are Auth0's defaults for rotating
 * tokens: 30 days in all, and 15 days unused.
 */

export const REFRESH_TOKEN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
export const REFRESH_TOKEN_IDLE_LIFETIME_SECONDS = 15 * 24 * 60 * 60;
/** Most families held; beyond, the oldest is evicted (its tokens become unknown: refused). */
export const MAX_REFRESH_TOKEN_FAMILIES = 1000;
/** Retired tokens remembered per family for reuse detection; older ones are merely unknown. */
export const MAX_RETIRED_PER_FAMILY = 100;

export type RefreshOutcome =
  | { readonly outcome: 'rotated'; readonly grant: UserGrant; readonly refreshToken: string }
  | { readonly outcome: 'refused' }
  /** A retired token: refused, and its family is now revoked. */
  | { readonly outcome: 'reused' };

interface Family {
  readonly grant: UserGrant;
  readonly expiresAt: number;
  activeHash: string;
  activeUntil: number;
  readonly retiredHashes: string[];
}

export class RefreshTokenStore {
  private readonly families = new BoundedStore<Family>(MAX_REFRESH_TOKEN_FAMILIES);

  constructor(private readonly now: () => number) {}

  /** Starts family `familyId` (an authorization code's grant id) with its first token. */
  issue(familyId: string, grant: UserGrant): string {
    const at = this.now();
    const token = newToken(familyId);
    this.families.set(
      familyId,
      {
        grant,
        expiresAt: at + REFRESH_TOKEN_LIFETIME_SECONDS * 1000,
        activeHash: sha256(token),
        activeUntil: at + REFRESH_TOKEN_IDLE_LIFETIME_SECONDS * 1000,
        retiredHashes: [],
      },
      at,
    );
    return token;
  }

  /** Exchanges `token`, presented by `clientId`, for the next one of its family. */
  rotate(token: string, clientId: string): RefreshOutcome {
    const at = this.now();
    const familyId = token.split('.', 1)[0] ?? '';
    const family = this.families.get(familyId, at);
    if (family === undefined) return { outcome: 'refused' };
    const hash = sha256(token);
    if (family.retiredHashes.includes(hash)) {
      this.families.delete(familyId);
      return { outcome: 'reused' };
    }
    if (hash !== family.activeHash || at >= family.activeUntil || clientId !== family.grant.clientId) return { outcome: 'refused' };
    const next = newToken(familyId);
    family.retiredHashes.push(hash);
    if (family.retiredHashes.length > MAX_RETIRED_PER_FAMILY) family.retiredHashes.shift();
    family.activeHash = sha256(next);
    family.activeUntil = at + REFRESH_TOKEN_IDLE_LIFETIME_SECONDS * 1000;
    return { outcome: 'rotated', grant: family.grant, refreshToken: next };
  }

  /** Revokes every token of a family (a reused authorization code's); nothing when there is none. */
  revokeFamily(familyId: string): void {
    this.families.delete(familyId);
  }
}

function newToken(familyId: string): string {
  return `${familyId}.${randomSecret()}`;
}
