import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseOwnerId } from '../auth/admin-access';
import type { OwnerKeys } from '../domain/owner-keys';
import { pathParameter, readOptionalJsonBody } from '../http/request';
import type { AdminKeyPageBody, RevokedCountBody } from '../http/response-schemas';
import { jsonResponse } from '../http/responses';
import { ValidationError } from '../domain/errors';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** The admin routes' dependencies: `tokens` admits admins only (lambdas/auth/admin-access.ts). */
export interface AdminDependencies extends ManagementDependencies {
  readonly ownerKeys: OwnerKeys;
}

const ownerOf = (event: APIGatewayProxyEventV2): string => parseOwnerId(pathParameter(event, 'sub'));

/**
 * GET /admin/users/{sub}/keys: one user's keys, paged and filtered like GET /keys (never a secret or hash),
 * and what Auth0 has reported about them (`auth0: { blocked, deletedAt? }`).
 */
export const createAdminListKeysHandler = (deps: AdminDependencies): ManagementHandler =>
  managementHandler('GET /admin/users/{sub}/keys', deps, async (_admin, event) => {
    const owner = ownerOf(event);
    const [page, auth0] = await Promise.all([deps.keys.list(owner, event.queryStringParameters), deps.ownerKeys.auth0Status(owner)]);
    return jsonResponse(200, { ...page, auth0 } satisfies AdminKeyPageBody);
  });

/**
 * POST /admin/users/{sub}/revoke-keys: every live key of the user, each
 * revoked with an audit event naming the admin. Safe to repeat: a call cut
 * short (503 past its deadline) is finished by the next, and `revoked`
 * counts only what this call revoked.
 */
export const createAdminRevokeKeysHandler = (deps: AdminDependencies): ManagementHandler =>
  managementHandler('POST /admin/users/{sub}/revoke-keys', deps, async (admin, event) => {
    const owner = ownerOf(event);
    const body = readOptionalJsonBody(event);
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length > 0)) {
      throw new ValidationError('The body must be empty or {}');
    }
    return jsonResponse(200, { revoked: await deps.ownerKeys.revokeAll(owner, admin) } satisfies RevokedCountBody);
  });
