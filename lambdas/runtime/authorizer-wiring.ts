import { KeyFormat } from '../domain/key-format';
import { KeyVerifier } from '../domain/key-verifier';
import { VerdictCache } from '../domain/verdict-cache';
import { LastUsedRecorder } from '../store/last-used-recorder';
import type { AuthorizerDependencies } from '../handlers/authorizer';
import { createLogger } from '../observability/logger';
import { DynamoKeyStore } from '../store/key-repository';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, createDocumentClient } from './clients';
import { environmentReader, loadSettings } from '../settings/load';
import { keyConfigFrom } from './config';
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
  return authorizerDependencies({
    keys: keyConfigFrom(settings),
    client: createDocumentClient({ timeouts: AUTHORIZER_DYNAMODB_TIMEOUTS }),
    logger: createLogger('api-key-authorizer'),
    verdictCacheTtlSeconds: settings.verdictCacheTtlSeconds,
  });
}
