import type { JwksCache } from 'aws-jwt-verify/jwk';
import { AccessTokenVerifier } from '../auth/access-token-verifier';
import { AdminAccess } from '../auth/admin-access';
import { OwnerKeys } from '../domain/owner-keys';
import type { AdminDependencies } from '../handlers/admin-keys';
import { KeyFormat } from '../domain/key-format';
import { KeyService } from '../domain/key-service';
import type { ManagementDependencies } from '../handlers/management-handler';
import { DynamoKeyStore } from '../store/key-repository';
import type { IndexReads } from '../store/table-upgrade';
import { authConfigFrom, type AuthConfig } from './config';
import { environmentReader, loadSettings } from '../settings/load';
import { deployedTableWiring } from './table-wiring';
import type { Wiring } from './wiring';

export function managementDependencies(
  wiring: Wiring & {
    readonly auth: AuthConfig;
    readonly jwksUri?: string | undefined;
    readonly jwksCache?: JwksCache | undefined;
    /** The indexes to list through (a table upgrade's step); default: today's. */
    readonly indexes?: IndexReads | undefined;
  },
): ManagementDependencies & {
  readonly tokens: AccessTokenVerifier;
  readonly admin: AdminDependencies & { readonly verifier: AccessTokenVerifier };
} {
  const store = new DynamoKeyStore({ client: wiring.client, tableName: wiring.keys.tableName, indexes: wiring.indexes });
  const keys = new KeyService({ store, format: new KeyFormat(wiring.keys.keyPrefix), policy: wiring.keys.policy, clock: wiring.clock });
  const { adminScope, ...auth } = wiring.auth;
  const jwks = { jwksUri: wiring.jwksUri, jwksCache: wiring.jwksCache };
  // Support staff: machine-to-machine tokens allowed, REQUIRED_SCOPE replaced by ADMIN_SCOPE (lambdas/auth/admin-access.ts).
  const adminVerifier = new AccessTokenVerifier({ issuer: auth.issuer, audience: auth.audience, allowMachineTokens: true, ...jwks });
  return {
    keys,
    tokens: new AccessTokenVerifier({ ...auth, ...jwks }),
    logger: wiring.logger,
    admin: {
      keys,
      ownerKeys: new OwnerKeys({ store, policy: wiring.keys.policy, clock: wiring.clock }),
      tokens: new AdminAccess(adminVerifier, adminScope),
      verifier: adminVerifier,
      logger: wiring.logger,
    },
  };
}

/**
 * The deployed management functions: config validated once per cold start,
 * one DynamoDB client and one JWT verifier per process, and the JWKS fetched
 * during init rather than on the first request (a failure there is retried by
 * the first verify()).
 */
export function lambdaManagementDependencies(): ManagementDependencies {
  const deps = deployedDependencies();
  deps.tokens.hydrate().catch(() => undefined);
  return deps;
}

/** The admin routes' functions: as lambdaManagementDependencies, with the admin verifier. */
export function lambdaAdminDependencies(): AdminDependencies {
  const { admin } = deployedDependencies();
  admin.verifier.hydrate().catch(() => undefined);
  return admin;
}

function deployedDependencies() {
  const settings = loadSettings('management', environmentReader(process.env));
  return managementDependencies({ ...deployedTableWiring(settings, 'api-key-management'), auth: authConfigFrom(settings) });
}
