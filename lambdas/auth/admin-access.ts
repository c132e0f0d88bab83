import { AccessDeniedError, ValidationError } from '../domain/errors';
import type { AccessTokenVerifier, Principal } from './access-token-verifier';

/**
 * Support staff: a token that carries ADMIN_SCOPE, checked where a user
 * cannot grant it to themselves. Auth0 grants a person any scope defined on
 * the API that they ask for unless RBAC is on
 * (https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis),
 * so in a person's token only the `permissions` claim counts (RBAC with "Add
 * Permissions in the Access Token"); a machine-to-machine token's `scope` is
 * its client grant, which only the tenant's administrators set.
 */
export function isAdmin(principal: Principal, adminScope: string | undefined): boolean {
  if (adminScope === undefined) return false;
  const rights = principal.machine ? principal.scopes : (principal.permissions ?? []);
  return rights.includes(adminScope);
}

/** The verifier of the admin routes: a valid token (machine-to-machine ones too) that is an admin's, else 403. */
export class AdminAccess {
  constructor(
    private readonly tokens: Pick<AccessTokenVerifier, 'verify'>,
    private readonly adminScope: string | undefined,
  ) {}

  async verify(authorizationHeader: string | undefined): Promise<Principal> {
    const principal = await this.tokens.verify(authorizationHeader);
    if (!isAdmin(principal, this.adminScope)) {
      throw new AccessDeniedError(
        this.adminScope === undefined
          ? 'The admin routes are off: ADMIN_SCOPE is not set'
          : 'Access token lacks the admin permission (ADMIN_SCOPE) these routes require',
        'INSUFFICIENT_SCOPE',
      );
    }
    return principal;
  }
}

/** An Auth0 user id as a path parameter (API Gateway's HTTP API passes it URL-decoded, as `npm start` does). */
export function parseOwnerId(sub: string): string {
  if (sub.length > 255 || /\p{C}/u.test(sub) || sub.trim() !== sub) {
    throw new ValidationError('The user id must be an Auth0 user id such as auth0|65f0c2 (at most 255 printable characters)');
  }
  return sub;
}
