import { KeyFormat } from '../domain/key-format';
import { KeyVerifier } from '../domain/key-verifier';
import { VerdictCache } from '../domain/verdict-cache';
import { LastUsedRecorder } from '../store/last-used-recorder';
import type { AuthorizerDependencies } from '../handlers/authorizer';
import { createLogger } from '../observability/logger';
import { DynamoKeyStore } from '../store/key-repository';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, createDocumentClient } from './clients';
import { environmentReader, loadSettings } from '../settings/load';
import { uncheckedRouteScope } from '../domain/route-scope-check';
import { ConfigError, keyConfigFrom } from './config';
import type { Wiring } from './wiring';

// Kept apart from the management wiring so the authorizer's bundle carries
// neither request validation nor JWT verification.

export function authorizerDependencies(
  wiring: Wiring & { readonly verdictCacheTtlSeconds?: number | undefined; readonly recordLastUsed?: boolean | undefined },
): AuthorizerDependencies {
  const store = new DynamoKeyStore({ client: wiring.client, tableName: wiring.keys.tableName });
  const format = new KeyFormat(wiring.keys.keyPrefix);
  const clock = wiring.clock;
  const cache = new VerdictCache({
    ttlSeconds: wiring.verdictCacheTtlSeconds ?? 0,
    now: clock && (() => clock().getTime()),
  });
  return {
    verifier: new KeyVerifier({ store, format, cache, clock }),
    logger: wiring.logger,
    routeScopes: wiring.keys.routeScopes,
    unscopedRoutes: wiring.keys.unscopedRoutes,
    usage:
      wiring.recordLastUsed !== false
        ? new LastUsedRecorder({ client: wiring.client, tableName: wiring.keys.tableName, logger: wiring.logger })
        : undefined,
    clock,
  };
}

/**
 * The deployed authorizer: config read and validated once per cold start (a
 * bad setting fails the init, naming the variable); one DynamoDB client with
 * the authorizer's short timeouts, reused by every invocation.
 */
export function lambdaAuthorizerDependencies(): AuthorizerDependencies {
  const settings = loadSettings('authorizer', environmentReader(process.env));
  // The stack tells the authorizer which routes it guards; a scope on any other route would never be checked.
  const unchecked =
    settings.apiKeyRoutes === undefined
      ? undefined
      : uncheckedRouteScope(settings.routeScopes, settings.apiKeyRoutes, { sampleReplaced: false });
  if (unchecked !== undefined) throw new ConfigError('ROUTE_SCOPES', { detail: unchecked });
  return authorizerDependencies({
    keys: keyConfigFrom(settings),
    client: createDocumentClient({ timeouts: AUTHORIZER_DYNAMODB_TIMEOUTS }),
    logger: createLogger('api-key-authorizer'),
    verdictCacheTtlSeconds: settings.verdictCacheTtlSeconds,
  });
}
