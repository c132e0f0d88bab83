import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { AccessTokenVerifier } from '../auth/access-token-verifier';
import { KeyFormat } from '../domain/key-format';
import { KeyService } from '../domain/key-service';
import type { Clock } from '../domain/key-store';
import { KeyVerifier } from '../domain/key-verifier';
import type { AuthorizerDependencies } from '../handlers/authorizer';
import type { ManagementDependencies } from '../handlers/management-handler';
import type { AppLogger } from '../observability/logger';
import { DynamoKeyStore } from '../store/key-repository';
import type { AuthConfig, KeyConfig } from './config';

/** Wiring shared by the Lambda entry points and the local gateway. */
export interface Wiring {
  readonly keys: KeyConfig;
  readonly client: DynamoDBDocumentClient;
  readonly logger: AppLogger;
  readonly clock?: Clock;
}

export function authorizerDependencies(wiring: Wiring): AuthorizerDependencies {
  const store = new DynamoKeyStore({ client: wiring.client, tableName: wiring.keys.tableName });
  const format = new KeyFormat(wiring.keys.keyPrefix);
  return {
    verifier: new KeyVerifier({ store, format, ...(wiring.clock ? { clock: wiring.clock } : {}) }),
    logger: wiring.logger,
  };
}

export function managementDependencies(
  wiring: Wiring & { readonly auth: AuthConfig; readonly jwksUri?: string; readonly jwksCache?: JwksCache },
): ManagementDependencies & { readonly tokens: AccessTokenVerifier } {
  const store = new DynamoKeyStore({ client: wiring.client, tableName: wiring.keys.tableName });
  return {
    keys: new KeyService({
      store,
      format: new KeyFormat(wiring.keys.keyPrefix),
      policy: wiring.keys.policy,
      ...(wiring.clock ? { clock: wiring.clock } : {}),
    }),
    tokens: new AccessTokenVerifier({
      ...wiring.auth,
      ...(wiring.jwksUri !== undefined ? { jwksUri: wiring.jwksUri } : {}),
      ...(wiring.jwksCache !== undefined ? { jwksCache: wiring.jwksCache } : {}),
    }),
    logger: wiring.logger,
  };
}
