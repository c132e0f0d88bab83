import { BoundedStore } from './bounded-store';
import { randomSecret, sha256 } from './opaque';
import { verifiesChallenge } from './pkce';

/**
 * Authorization codes (RFC 6749 section 4.1, with RFC 7636's PKCE), in
 * memory, keyed by the code's hash, on an injected clock. A code is usable
 * for 60 seconds and only once: any attempt to redeem it spends it, a failed
 * one too, so a stolen code cannot be tried against verifiers or clients.
 * A spent code is remembered for a while longer, so that presenting it again
 * is seen as reuse and the caller can revoke what it granted (RFC 6749
 * section 4.1.2: the refresh-token family issued from it).
 */

export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 60;
/** How long a code is remembered (spent or expired) to recognise its reuse. */
const REMEMBERED_SECONDS = 600;
/** Most codes remembered; beyond, the oldest is evicted (then it is unknown, so refused). */
export const MAX_AUTHORIZATION_CODES = 1000;

/** What a sign-in grants a client: the claims its tokens will carry. */
export interface UserGrant {
  readonly clientId: string;
  readonly user: string;
  /** Seconds since the epoch: `auth_time`. */
  readonly authTime: number;
  readonly audience: string;
  readonly scope: string | undefined;
}

export interface CodeRequest {
  readonly grant: UserGrant;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce: string | undefined;
}

export interface RedemptionRequest {
  readonly clientId: string;
  readonly redirectUri: string | undefined;
  readonly codeVerifier: string | undefined;
}

export type Redemption =
  /** `grantId` names the refresh-token family the tokens may start. */
  | { readonly outcome: 'granted'; readonly grant: UserGrant; readonly nonce: string | undefined; readonly grantId: string }
  | { readonly outcome: 'refused'; readonly description: string }
  /** Presented again: refused, and what was issued from it (family `grantId`) must be revoked. */
  | { readonly outcome: 'reused'; readonly description: string; readonly grantId: string };

interface CodeEntry extends CodeRequest {
  readonly grantId: string;
  readonly usableUntil: number;
  /** When it is forgotten. */
  readonly expiresAt: number;
  spent: boolean;
}

const INVALID_CODE = 'Invalid authorization code';

export class AuthorizationCodeStore {
  private readonly codes = new BoundedStore<CodeEntry>(MAX_AUTHORIZATION_CODES);

  constructor(private readonly now: () => number) {}

  issue(request: CodeRequest): string {
    const at = this.now();
    const code = randomSecret();
    this.codes.set(
      sha256(code),
      {
        ...request,
        grantId: randomSecret(16),
        usableUntil: at + AUTHORIZATION_CODE_LIFETIME_SECONDS * 1000,
        expiresAt: at + REMEMBERED_SECONDS * 1000,
        spent: false,
      },
      at,
    );
    return code;
  }

  redeem(code: string, request: RedemptionRequest): Redemption {
    const at = this.now();
    const entry = this.codes.get(sha256(code), at);
    if (entry === undefined) return { outcome: 'refused', description: INVALID_CODE };
    if (entry.spent) return { outcome: 'reused', description: INVALID_CODE, grantId: entry.grantId };
    entry.spent = true;
    if (at >= entry.usableUntil) return { outcome: 'refused', description: 'Authorization code expired' };
    if (request.clientId !== entry.grant.clientId) return { outcome: 'refused', description: INVALID_CODE };
    // Required and identical when the authorization request had one (RFC 6749 section 4.1.3), and ours always do.
    if (request.redirectUri !== entry.redirectUri) {
      return { outcome: 'refused', description: 'redirect_uri does not match the one the code was issued for' };
    }
    if (!verifiesChallenge(request.codeVerifier, entry.codeChallenge)) {
      return { outcome: 'refused', description: 'Failed to verify code verifier' };
    }
    return { outcome: 'granted', grant: entry.grant, nonce: entry.nonce, grantId: entry.grantId };
  }
}
