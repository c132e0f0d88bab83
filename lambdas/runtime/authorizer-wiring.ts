import { AccessTokens, type TokenKeySource } from '../domain/access-token';
import { KeyFormat } from '../domain/key-format';
import { KeyVerifier, type KeyVerifierOptions } from '../domain/key-verifier';
import { VerdictCache } from '../domain/verdict-cache';
import { LastUsedRecorder } from '../store/last-used-recorder';
import type { AuthorizerDependencies } from '../handlers/authorizer';
import { createLogger, logsAtDebug } from '../observability/logger';
import { createVerdictMetricsSink, VerdictMetrics, type MetricsSink } from '../observability/verdict-metrics';
import { DynamoKeyStore } from '../store/key-repository';
import { AUTHORIZER_DYNAMODB_TIMEOUTS, createDocumentClient } from './clients';
import { environmentReader, loadSettings } from '../settings/load';
import { uncheckedRouteScope } from '../domain/route-scope-check';
import { lambdaAssertionSigning } from './signer-wiring';
import { warmUp, WARM_UP_SUBJECT } from './authorizer-warm-up';
import { ConfigError, keyConfigFrom } from './config';
import type { Wiring } from './wiring';

// Kept apart from the management wiring so the authorizer's bundle carries
// neither request validation nor JWT verification.

export function authorizerDependencies(
  wiring: Wiring & {
    readonly verdictCacheTtlSeconds?: number | undefined;
    readonly recordLastUsed?: boolean | undefined;
    /** Where the verdict counts go (Powertools Metrics when deployed); without one nothing is counted. */
    readonly metricsSink?: MetricsSink | undefined;
    /** Signs each fresh allow's identity assertion; with it, an allow without one is a fault (see lambdas/runtime/assertion-wiring.ts). */
    readonly assertions?: KeyVerifierOptions['assertions'];
    /** KEY_HEADER: the header the key comes in. */
    readonly keyHeader?: string | undefined;
    /** The access tokens' MAC keys (`POST /oauth/token`); without them a token is refused. */
    readonly tokenKeys?: TokenKeySource | undefined;
  },
): AuthorizerDependencies {
  const store = new DynamoKeyStore({ client: wiring.client, tableName: wiring.keys.tableName });
  const format = new KeyFormat(wiring.keys.keyPrefix);
  const clock = wiring.clock;
  const cache = new VerdictCache({
    ttlSeconds: wiring.verdictCacheTtlSeconds ?? 0,
    now: clock && (() => clock().getTime()),
  });
  return {
    verifier: new KeyVerifier({
      store,
      format,
      cache,
      clock,
      assertions: wiring.assertions,
      tokens: wiring.tokenKeys === undefined ? undefined : new AccessTokens(wiring.keys.keyPrefix, wiring.tokenKeys),
    }),
    requireAssertion: wiring.assertions !== undefined,
    keyHeader: wiring.keyHeader,
    logger: wiring.logger,
    logAllows: logsAtDebug(wiring.logger),
    routeScopes: wiring.keys.routeScopes,
    unscopedRoutes: wiring.keys.unscopedRoutes,
    usage:
      wiring.recordLastUsed !== false
        ? new LastUsedRecorder({ client: wiring.client, tableName: wiring.keys.tableName, logger: wiring.logger })
        : undefined,
    metrics:
      wiring.metricsSink === undefined
        ? undefined
        : new VerdictMetrics({ sink: wiring.metricsSink, cacheLookups: cache, now: clock && (() => clock().getTime()) }),
    clock,
  };
}

/**
 * The deployed authorizer: config read and validated once per cold start (a
 * bad setting fails the init, naming the variable); one DynamoDB client with
 * the authorizer's short timeouts, reused by every invocation; and the
 * warm-up its entry point awaits in the init phase (authorizer-warm-up.ts).
 */
export function lambdaAuthorizer(): { dependencies: AuthorizerDependencies; warmUp: () => Promise<void> } {
  const settings = loadSettings('authorizer', environmentReader(process.env));
  // The stack tells the authorizer which routes it guards; a scope on any other route would never be checked.
  const unchecked =
    settings.apiKeyRoutes === undefined
      ? undefined
      : uncheckedRouteScope(settings.routeScopes, settings.apiKeyRoutes, { sampleReplaced: false });
  if (unchecked !== undefined) throw new ConfigError('ROUTE_SCOPES', { detail: unchecked });
  const logger = createLogger('api-key-authorizer');
  const signing = lambdaAssertionSigning(settings, logger);
  const keys = keyConfigFrom(settings);
  const client = createDocumentClient({ timeouts: AUTHORIZER_DYNAMODB_TIMEOUTS });
  const dependencies = authorizerDependencies({
    keys,
    client,
    logger,
    verdictCacheTtlSeconds: settings.verdictCacheTtlSeconds,
    // The signing key is loaded now, in the init phase, and the first load's failure retried by the first request.
    assertions: signing.issuer,
    // The same key set keys the access tokens of POST /oauth/token (access-token.ts).
    tokenKeys: signing.tokenKeys,
    keyHeader: settings.keyHeader,
    // Lambda sets AWS_LAMBDA_FUNCTION_NAME; the dashboard selects the metrics by it.
    metricsSink: createVerdictMetricsSink(process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'unnamed'),
  });
  const store = new DynamoKeyStore({ client, tableName: keys.tableName });
  // A fresh random id: no key has it, so the read finds nothing and changes nothing.
  const nobody = new KeyFormat(keys.keyPrefix).generate().keyId;
  return {
    dependencies,
    warmUp: () => warmUp({ read: () => store.getKey(nobody), sign: () => signing.issuer.issue(WARM_UP_SUBJECT), logger }),
  };
}
