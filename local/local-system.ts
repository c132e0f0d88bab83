import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { ROUTES, splitCacheTtl, type FunctionName } from '../lambdas/api-definition';
import type { Clock } from '../lambdas/domain/key-store';
import { createAuthorizerHandler } from '../lambdas/handlers/authorizer';
import { createCreateKeyHandler } from '../lambdas/handlers/create-key';
import { createGetKeyHandler } from '../lambdas/handlers/get-key';
import { healthHandler } from '../lambdas/handlers/health';
import { createListKeysHandler } from '../lambdas/handlers/list-keys';
import { createListKeyEventsHandler } from '../lambdas/handlers/list-key-events';
import { createRevokeKeyHandler } from '../lambdas/handlers/revoke-key';
import { createRotateKeyHandler } from '../lambdas/handlers/rotate-key';
import { createUpdateKeyHandler } from '../lambdas/handlers/update-key';
import { whoamiHandler } from '../lambdas/handlers/whoami';
import type { AppLogger } from '../lambdas/observability/logger';
import { createDocumentClient } from '../lambdas/runtime/clients';
import type { AuthConfig, KeyConfig } from '../lambdas/runtime/config';
import { authorizerDependencies } from '../lambdas/runtime/authorizer-wiring';
import { managementDependencies } from '../lambdas/runtime/management-wiring';
import { startDevIdentityProvider, type DevIdentityProvider } from './dev-identity-provider';

import { SHARED_DB_CREDENTIALS, type DynamoDbCredentials } from './dynamodb-credentials';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { createGateway, type LocalRoute, type RouteFunction } from './gateway';
import { closeServer, listenOnLoopback } from './http-util';
import { LoopbackJwksFetcher } from './loopback-jwks-fetcher';
import { ensureTable } from './table';

export type DynamoDbSetting =
  /**
   * Use a DynamoDB that is already running (DYNAMODB_ENDPOINT), signing with
   * `credentials` (default the shared ones: see dynamodb-credentials.ts).
   */
  | { readonly endpoint: string; readonly credentials?: DynamoDbCredentials | undefined }
  /** Start DynamoDB Local; `dataDir` absolute, or omitted for in-memory (locked with `keyDir`'s key file when given). */
  | { readonly port: number; readonly dataDir?: string | undefined; readonly keyDir?: string | undefined };

export type IdentitySetting =
  /** Start the development identity provider. */
  | {
      readonly devPort: number;
      readonly audience: string;
      readonly devicePollIntervalSeconds?: number | undefined;
      /** As with Auth0: REQUIRED_SCOPE and ALLOW_MACHINE_TOKENS hold for the development provider's tokens too. */
      readonly requiredScope?: string | undefined;
      readonly allowMachineTokens?: boolean | undefined;
    }
  /** Verify real Auth0 tokens. */
  | { readonly auth: AuthConfig };

export interface LocalSystemOptions {
  readonly port: number;
  readonly keys: KeyConfig;
  readonly dynamodb: DynamoDbSetting;
  readonly identity: IdentitySetting;
  readonly authorizerCacheTtlSeconds: number;
  /** Per-route throttling as deployed (default true). */
  readonly throttle?: boolean | undefined;
  readonly logger: AppLogger;
  readonly clock?: Clock | undefined;
  readonly onRequest?: ((line: { method: string; path: string; status: number }) => void) | undefined;
}

export interface LocalSystem {
  readonly gatewayUrl: string;
  readonly dynamodbEndpoint: string;
  /** What this system signs with: the only credentials that see its table on an embedded DynamoDB Local. */
  readonly dynamodbCredentials: DynamoDbCredentials;
  readonly tableName: string;
  readonly tableCreated: boolean;
  /** Present when the development identity provider runs. */
  readonly devIdentityProvider?: DevIdentityProvider;
  readonly auth: AuthConfig;
  /** The embedded DynamoDB Local, when this system started one. */
  readonly dynamodbLocal?: DynamoDbLocal;
  stop(): Promise<void>;
}

/**
 * Brings up the whole system on one machine: DynamoDB (embedded or given), the
 * table, an identity provider (development or Auth0), and the gateway in front
 * of the very handlers that run in Lambda. Stops whatever it started if a
 * later step fails.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const stops: (() => Promise<void>)[] = [];
  const clock = options.clock;
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    let dynamodbLocal: DynamoDbLocal | undefined;
    let dynamodbEndpoint: string;
    let dynamodbCredentials: DynamoDbCredentials;
    if ('endpoint' in options.dynamodb) {
      dynamodbEndpoint = options.dynamodb.endpoint;
      dynamodbCredentials = options.dynamodb.credentials ?? SHARED_DB_CREDENTIALS;
    } else {
      const started = await startDynamoDbLocal(options.dynamodb);
      dynamodbLocal = started;
      stops.push(() => started.stop());
      dynamodbEndpoint = started.endpoint;
      dynamodbCredentials = started.credentials;
    }
    const client = createDocumentClient({ endpoint: dynamodbEndpoint, credentials: dynamodbCredentials });
    stops.push(() => {
      client.destroy();
      return Promise.resolve();
    });
    const tableCreated = (await ensureTable(client, options.keys.tableName)) === 'created';

    let devIdentityProvider: DevIdentityProvider | undefined;
    let auth: AuthConfig;
    if ('auth' in options.identity) {
      auth = options.identity.auth;
    } else {
      const idp = await startDevIdentityProvider({
        port: options.identity.devPort,
        audience: options.identity.audience,
        devicePollIntervalSeconds: options.identity.devicePollIntervalSeconds,
      });
      devIdentityProvider = idp;
      stops.push(() => idp.stop());
      auth = {
        issuer: idp.issuer,
        audience: options.identity.audience,
        allowMachineTokens: options.identity.allowMachineTokens ?? false,
        ...(options.identity.requiredScope !== undefined ? { requiredScope: options.identity.requiredScope } : {}),
      };
    }

    const wiring = { keys: options.keys, client, logger: options.logger, clock: options.clock };
    const management = managementDependencies({
      ...wiring,
      auth,
      jwksUri: devIdentityProvider?.jwksUri,
      // aws-jwt-verify fetches https only; the development IdP is http on 127.0.0.1.
      jwksCache: devIdentityProvider !== undefined ? new SimpleJwksCache({ fetcher: new LoopbackJwksFetcher() }) : undefined,
    });
    const functions: Record<FunctionName, RouteFunction> = {
      health: healthHandler,
      whoami: whoamiHandler as unknown as RouteFunction,
      createKey: createCreateKeyHandler(management),
      listKeys: createListKeysHandler(management),
      getKey: createGetKeyHandler(management),
      revokeKey: createRevokeKeyHandler(management),
      rotateKey: createRotateKeyHandler(management),
      updateKey: createUpdateKeyHandler(management),
      listKeyEvents: createListKeyEventsHandler(management),
    };
    // As deployed: the revocation delay is split between the gateway's cache and the authorizer's.
    const cacheTtl = splitCacheTtl(options.authorizerCacheTtlSeconds);
    const routes: LocalRoute[] = ROUTES.map((route) => ({ ...route, handler: functions[route.function] }));
    const gateway = createGateway({
      routes,
      authorizer: createAuthorizerHandler(authorizerDependencies({ ...wiring, verdictCacheTtlSeconds: cacheTtl.instanceSeconds })),
      authorizerCacheTtlSeconds: cacheTtl.gatewaySeconds,
      throttle: options.throttle,
      now: clock && (() => clock().getTime()),
      onRequest: options.onRequest,
    });
    const port = await listenOnLoopback(gateway, options.port);
    stops.push(() => closeServer(gateway));

    return {
      gatewayUrl: `http://127.0.0.1:${port}`,
      dynamodbEndpoint,
      dynamodbCredentials,
      tableName: options.keys.tableName,
      tableCreated,
      auth,
      ...(devIdentityProvider !== undefined ? { devIdentityProvider } : {}),
      ...(dynamodbLocal !== undefined ? { dynamodbLocal } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
