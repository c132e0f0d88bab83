import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import {
  AUTH0_WEBHOOK_ROUTE,
  corsRules,
  DEFAULT_KEY_CREATION_THROTTLE,
  routesWithKeyCreationThrottle,
  splitCacheTtl,
  type FunctionName,
  type RouteThrottle,
} from '../lambdas/api-definition';
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
import { createJwksHandler } from '../lambdas/handlers/jwks';
import { createWhoamiHandler } from '../lambdas/handlers/whoami';
import { createAdminListKeysHandler, createAdminRevokeKeysHandler } from '../lambdas/handlers/admin-keys';
import { createAuth0WebhookHandler } from '../lambdas/handlers/auth0-webhook';
import { CONSOLE_PATH, createConsoleHandler } from '../lambdas/handlers/console';
import { ownerEventDependencies } from '../lambdas/runtime/owner-events-wiring';
import type { AppLogger } from '../lambdas/observability/logger';
import { createDocumentClient } from '../lambdas/runtime/clients';
import { MANAGEMENT_TIMEOUT_FUNCTIONS, ROUTE_FUNCTION_TIMEOUT_SECONDS } from '../lambdas/runtime/function-timeouts';
import type { AuthConfig, KeyConfig } from '../lambdas/runtime/config';
import { authorizerDependencies } from '../lambdas/runtime/authorizer-wiring';
import { managementDependencies } from '../lambdas/runtime/management-wiring';
import { tokenDependencies } from '../lambdas/runtime/token-wiring';
import { createTokenHandler } from '../lambdas/handlers/token';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '../lambdas/domain/access-token';
import { createSecretScanningHandler } from '../lambdas/handlers/secret-scanning';
import { createOpenApiHandler } from '../lambdas/handlers/openapi';
import { openApiDocument } from '../lambdas/openapi/document';
import { secretScanningDependencies } from '../lambdas/runtime/secret-scanning-wiring';
import { createLifecycleEventsHandler } from '../lambdas/handlers/lifecycle-events';
import { createExpiryNoticesHandler, type ExpiryNoticesResult } from '../lambdas/handlers/expiry-notices';
import { expiryNoticesDependencies } from '../lambdas/runtime/expiry-notices-wiring';
import type { LifecyclePublisher } from '../lambdas/events/lifecycle-event';
import { LogLinePublisher, NdjsonFilePublisher } from '../lambdas/events/local-publishers';
import { indexPlan } from '../lambdas/store/table-upgrade';
import { EVENT_SETTINGS } from '../lambdas/settings/sections/events';
import { localConsoleAssets } from './console-assets';
import { startDevGitHub, type DevGitHub } from './dev-github';
import { scheduledEvent, startExpirySchedule } from './expiry-schedule';
import { startLifecycleStream, type LifecycleStream } from './lifecycle-stream';
import { startDevIdentityProvider, type DevIdentityProvider } from './dev-identity-provider';

import { SHARED_DB_CREDENTIALS, type DynamoDbCredentials } from './dynamodb-credentials';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { createGateway, type AuthorizerFunction, type GatewayExchange, type LocalRoute, type RouteFunction } from './gateway';
import { closeServer, listenOnLoopback } from './http-util';
import { LocalAssertions } from './local-assertions';
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
      /** ADMIN_SCOPE (`npm start` defaults it to `keys:admin`); unset, the admin routes refuse everyone. */
      readonly adminScope?: string | undefined;
      /** Where the provider keeps its signing key, so its tokens still verify after a restart (`npm start`: DATA_DIR); none: a new key each start. */
      readonly keyFile?: string | undefined;
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
  /** The budget of `POST /keys` and `POST /keys/{id}/rotate` (KEY_CREATION_RATE_LIMIT, KEY_CREATION_BURST_LIMIT); default 5/s, burst 10. */
  readonly keyCreationThrottle?: RouteThrottle | undefined;
  /** ACCESS_TOKEN_TTL_SECONDS for `POST /oauth/token` (default 3600). */
  readonly accessTokenTtlSeconds?: number | undefined;
  /** KEY_HEADER: the header the key comes in (default `authorization`). */
  readonly keyHeader?: string | undefined;
  /** ASSERTION_ISSUER / ASSERTION_AUDIENCE; unset, the gateway's URL. */
  readonly assertionIssuer?: string | undefined;
  readonly assertionAudience?: string | undefined;
  readonly logger: AppLogger;
  readonly clock?: Clock | undefined;
  readonly onRequest?: ((line: { method: string; path: string; status: number }) => void) | undefined;
  /** Sees every answer the gateway sends, with its route (the tests check each against the OpenAPI document). */
  readonly onResponse?: ((exchange: GatewayExchange) => void) | undefined;
  /**
   * The timeout the gateway enforces on the functions deployed with the management timeout (the key routes,
   * GitHub's alerts); default as deployed, as every other function's (lambdas/runtime/function-timeouts.ts). Tests shorten it.
   */
  readonly managementTimeoutMs?: number | undefined;
  /** The authorizer's timeout the gateway enforces (default as deployed: local/gateway.ts's AUTHORIZER_TIMEOUT_MS); tests shorten it. */
  readonly authorizerTimeoutMs?: number | undefined;
  /** AUTH0_WEBHOOK_TOKEN: serve `POST /auth0/events` (an Auth0 Event Stream's webhook) and accept this token. */
  readonly auth0WebhookToken?: string | undefined;
  /** CONSOLE_CLIENT_ID: the console's Auth0 application; default, with the development IdP, its DEV_CONSOLE_CLIENT_ID. */
  readonly consoleClientId?: string | undefined;
  /** CORS_ALLOW_ORIGINS: web apps on other origins that call the API (the drop-in component), as deployed. */
  readonly corsAllowOrigins?: readonly string[] | undefined;
  /** GITHUB_SECRET_SCANNING_KEYS_URL; unset: the development GitHub is started and serves its keys. */
  readonly githubSecretScanningKeysUrl?: string | undefined;
  /** Where the development GitHub keeps its signing key (`npm start`: DATA_DIR), so `npm run github-alert` signs with it; none: a new key each start. */
  readonly devGitHubKeyFile?: string | undefined;
  /** Where lifecycle events go; default one log line each through `logger` (`npm start`: printed, or EVENTS_FILE). */
  readonly lifecyclePublisher?: LifecyclePublisher | undefined;
  /** EVENTS_FILE: append lifecycle events there as NDJSON instead (ignored with `lifecyclePublisher`). */
  readonly eventsFile?: string | undefined;
  /** EXPIRY_NOTICE_DAYS (default 7). */
  readonly expiryNoticeDays?: number | undefined;
  /** The daily expiry notice's first run at start (default true); tests run it themselves with `runExpiryNotices`. */
  readonly expiryNoticeAtStart?: boolean | undefined;
}

/**
 * The timeout the local gateway gives a route's function: its deployed one (lambdas/runtime/function-timeouts.ts,
 * the numbers lib/key-api.ts deploys), or `managementTimeoutMs` for those deployed with the management timeout.
 */
export function localFunctionTimeoutMs(name: FunctionName, managementTimeoutMs?: number): number {
  return managementTimeoutMs !== undefined && MANAGEMENT_TIMEOUT_FUNCTIONS.has(name)
    ? managementTimeoutMs
    : ROUTE_FUNCTION_TIMEOUT_SECONDS[name] * 1000;
}

/** The development identity provider's client for the console: registered with the gateway's console URL as its callback. */
export const DEV_CONSOLE_CLIENT_ID = 'user-api-keys-console';

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
  /** What the gateway signs its assertions with and for. */
  readonly assertion: { readonly issuer: string; readonly audience: string; readonly kid: string };
  /** The key owners' console: `<gatewayUrl>/console`. */
  readonly consoleUrl: string;
  /** Present when the development GitHub runs (no GITHUB_SECRET_SCANNING_KEYS_URL): it signs alerts as GitHub would. */
  readonly devGitHub?: DevGitHub;
  /** The table's stream, read as Lambda reads it, into the lifecycle-events handler: `drain()` waits until it is caught up. */
  readonly lifecycleStream: LifecycleStream;
  /** Runs the daily expiry notice now, as its schedule does. */
  runExpiryNotices(): Promise<ExpiryNoticesResult>;
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
        // Every local user holds every scope a key may carry, unless a token request asks for fewer.
        defaultPermissions: options.keys.policy.allowedScopes,
        keyFile: options.identity.keyFile,
      });
      devIdentityProvider = idp;
      stops.push(() => idp.stop());
      auth = {
        issuer: idp.issuer,
        audience: options.identity.audience,
        allowMachineTokens: options.identity.allowMachineTokens ?? false,
        ...(options.identity.requiredScope !== undefined ? { requiredScope: options.identity.requiredScope } : {}),
        ...(options.identity.adminScope !== undefined ? { adminScope: options.identity.adminScope } : {}),
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
    // Signed and verified as deployed, with a key made now; the signer and /whoami's verifier need the gateway's URL, known once it listens.
    const assertions = new LocalAssertions({
      authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
      issuer: options.assertionIssuer,
      audience: options.assertionAudience,
      now: clock && (() => clock().getTime()),
    });
    let devGitHub: DevGitHub | undefined;
    if (options.githubSecretScanningKeysUrl === undefined) {
      const github = await startDevGitHub({ port: 0, keyFile: options.devGitHubKeyFile });
      devGitHub = github;
      stops.push(() => github.stop());
    }
    const secretScanning = secretScanningDependencies({
      ...wiring,
      keysUrl: options.githubSecretScanningKeysUrl ?? devGitHub?.keysUrl,
    });
    // As deployed: the table's stream into the very handler Lambda runs, and the daily notice on a timer.
    const publisher =
      options.lifecyclePublisher ??
      (options.eventsFile !== undefined ? new NdjsonFilePublisher(options.eventsFile) : new LogLinePublisher({ logger: options.logger }));
    const lifecycleStream = await startLifecycleStream({
      endpoint: dynamodbEndpoint,
      credentials: dynamodbCredentials,
      tableName: options.keys.tableName,
      handler: createLifecycleEventsHandler({ publisher, logger: options.logger }),
      logger: options.logger,
      // A table made just now: from its stream's start; one kept from an earlier run: what changes from now on.
      startingPosition: tableCreated ? 'TRIM_HORIZON' : 'LATEST',
    });
    stops.push(() => lifecycleStream.stop());
    const expiryNotices = createExpiryNoticesHandler(
      expiryNoticesDependencies({
        client,
        tableName: options.keys.tableName,
        indexes: indexPlan().reads,
        publisher,
        noticeDays: options.expiryNoticeDays ?? EVENT_SETTINGS.expiryNoticeDays.default,
        logger: options.logger,
        clock,
      }),
    );
    const runExpiryNotices = () => expiryNotices(scheduledEvent(clock?.() ?? new Date()));
    const expirySchedule = startExpirySchedule({
      run: runExpiryNotices,
      logger: options.logger,
      runAtStart: options.expiryNoticeAtStart ?? true,
    });
    stops.push(() => expirySchedule.stop());
    const consoleClientId = options.consoleClientId ?? (devIdentityProvider !== undefined ? DEV_CONSOLE_CLIENT_ID : undefined);
    const consoleHandler = createConsoleHandler({
      assets: localConsoleAssets,
      settings: {
        login:
          consoleClientId !== undefined
            ? { domain: devIdentityProvider?.url ?? new URL(auth.issuer).origin, clientId: consoleClientId, audience: auth.audience }
            : undefined,
        policy: options.keys.policy,
      },
    });
    const late: { authorizer?: AuthorizerFunction; whoami?: RouteFunction } = {};
    const notYet = () => Promise.reject(new Error('the gateway is not listening yet'));
    const functions: Record<FunctionName, RouteFunction> = {
      health: healthHandler,
      whoami: (event) => late.whoami?.(event) ?? notYet(),
      jwks: createJwksHandler({ source: assertions.jwks, logger: options.logger }),
      token: createTokenHandler(
        tokenDependencies({
          client,
          logger: options.logger,
          clock,
          tableName: options.keys.tableName,
          keyPrefix: options.keys.keyPrefix,
          ttlSeconds: options.accessTokenTtlSeconds ?? MAX_ACCESS_TOKEN_TTL_SECONDS,
          tokenKeys: assertions.tokenKeys,
        }),
      ),
      createKey: createCreateKeyHandler(management),
      listKeys: createListKeysHandler(management),
      getKey: createGetKeyHandler(management),
      revokeKey: createRevokeKeyHandler(management),
      rotateKey: createRotateKeyHandler(management),
      updateKey: createUpdateKeyHandler(management),
      listKeyEvents: createListKeyEventsHandler(management),
      adminListKeys: createAdminListKeysHandler(management.admin),
      adminRevokeKeys: createAdminRevokeKeysHandler(management.admin),
      auth0Webhook: createAuth0WebhookHandler({
        ...ownerEventDependencies({ ...wiring, keys: options.keys }),
        token: { current: () => Promise.resolve(options.auth0WebhookToken ?? '') },
      }),
      console: consoleHandler,
      secretScanning: createSecretScanningHandler(secretScanning),
      openapi: createOpenApiHandler(openApiDocument({ keyHeader: options.keyHeader })),
    };
    // As deployed: the revocation delay is split between the gateway's cache and the authorizer's.
    const cacheTtl = splitCacheTtl(options.authorizerCacheTtlSeconds);
    const keyCreation = options.keyCreationThrottle ?? DEFAULT_KEY_CREATION_THROTTLE;
    const served = [
      ...routesWithKeyCreationThrottle(keyCreation),
      ...(options.auth0WebhookToken !== undefined ? [AUTH0_WEBHOOK_ROUTE] : []),
    ];
    // Each function with its deployed timeout, which the gateway enforces as Lambda does.
    const routes: LocalRoute[] = served.map((route) => ({
      ...route,
      handler: functions[route.function],
      timeoutMs: localFunctionTimeoutMs(route.function, options.managementTimeoutMs),
    }));
    const gateway = createGateway({
      routes,
      authorizer: (event) => late.authorizer?.(event) ?? notYet(),
      keyHeader: options.keyHeader,
      authorizerCacheTtlSeconds: cacheTtl.gatewaySeconds,
      throttle: options.throttle,
      now: clock && (() => clock().getTime()),
      onRequest: options.onRequest,
      onResponse: options.onResponse,
      managementTimeoutMs: options.managementTimeoutMs,
      authorizerTimeoutMs: options.authorizerTimeoutMs,
      cors: { allowOrigins: options.corsAllowOrigins ?? [], rules: corsRules(options.keyHeader ?? 'authorization') },
    });
    const port = await listenOnLoopback(gateway, options.port);
    stops.push(() => closeServer(gateway));
    const gatewayUrl = `http://127.0.0.1:${port}`;
    const consoleUrl = `${gatewayUrl}${CONSOLE_PATH}`;
    if (devIdentityProvider !== undefined && consoleClientId !== undefined) {
      // Known only now that the gateway listens: the console's callback and logout URL, under both loopback names.
      const pages = [consoleUrl, `http://localhost:${port}${CONSOLE_PATH}`];
      devIdentityProvider.registerClient({
        clientId: consoleClientId,
        redirectUris: pages,
        logoutUrls: pages,
        webOrigins: [...pages.map((page) => new URL(page).origin), ...(options.corsAllowOrigins ?? [])],
      });
    }
    const signing = assertions.forGateway(gatewayUrl);
    late.authorizer = createAuthorizerHandler(
      authorizerDependencies({
        ...wiring,
        verdictCacheTtlSeconds: cacheTtl.instanceSeconds,
        assertions: signing.issuer,
        tokenKeys: assertions.tokenKeys,
        keyHeader: options.keyHeader,
      }),
    );
    const whoami = createWhoamiHandler({ assertions: signing.verifier });
    late.whoami = whoami as unknown as RouteFunction;

    return {
      gatewayUrl,
      consoleUrl,
      assertion: { issuer: signing.issuerUrl, audience: signing.audience, kid: assertions.kid },
      dynamodbEndpoint,
      dynamodbCredentials,
      tableName: options.keys.tableName,
      tableCreated,
      auth,
      ...(devIdentityProvider !== undefined ? { devIdentityProvider } : {}),
      ...(dynamodbLocal !== undefined ? { dynamodbLocal } : {}),
      ...(devGitHub !== undefined ? { devGitHub } : {}),
      lifecycleStream,
      runExpiryNotices,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
