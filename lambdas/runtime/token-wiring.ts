import { AccessTokens, type TokenKeySource } from '../domain/access-token';
import { KeyFormat } from '../domain/key-format';
import { SigningKeyLoader } from '../domain/signing-key-loader';
import { TokenExchange } from '../domain/token-exchange';
import type { TokenDependencies } from '../handlers/token';
import { createLogger, describeError } from '../observability/logger';
import { environmentReader, loadSettings } from '../settings/load';
import { AUTHORIZER_SECRET_TIMEOUTS, createSecretsManagerClient } from '../signing/aws-clients';
import { secretKeySetLoader } from '../signing/secret-key-source';
import { DynamoKeyStore } from '../store/key-repository';
import { createDocumentClient, MANAGEMENT_DYNAMODB_TIMEOUTS } from './clients';
import type { Wiring } from './wiring';

export function tokenDependencies(
  wiring: Omit<Wiring, 'keys'> & {
    readonly tableName: string;
    readonly keyPrefix: string;
    readonly ttlSeconds: number;
    /** The MAC keys (the assertion signing keys: access-token.ts). */
    readonly tokenKeys: TokenKeySource;
  },
): TokenDependencies {
  return {
    exchange: new TokenExchange({
      store: new DynamoKeyStore({ client: wiring.client, tableName: wiring.tableName }),
      format: new KeyFormat(wiring.keyPrefix),
      tokens: new AccessTokens(wiring.keyPrefix, wiring.tokenKeys),
      ttlSeconds: wiring.ttlSeconds,
      clock: wiring.clock,
    }),
    logger: wiring.logger,
  };
}

/**
 * The deployed POST /oauth/token: settings checked once per cold start; the
 * signing key set read from Secrets Manager in the init phase (and hourly),
 * as the authorizer reads it, since the two must share the tokens' MAC keys.
 */
export function lambdaTokenDependencies(): TokenDependencies {
  const settings = loadSettings('token', environmentReader(process.env));
  const logger = createLogger('user-api-keys-token');
  const loader = new SigningKeyLoader({
    load: secretKeySetLoader(createSecretsManagerClient(AUTHORIZER_SECRET_TIMEOUTS), settings.assertionSecretArn),
    onRefreshError: (error) => {
      logger.warn('signing key reload failed; the keys in hand stay in use', describeError(error));
    },
  });
  loader.prime();
  return tokenDependencies({
    tableName: settings.tableName,
    keyPrefix: settings.keyPrefix,
    ttlSeconds: settings.accessTokenTtlSeconds,
    tokenKeys: loader.tokenKeys(),
    client: createDocumentClient({ timeouts: MANAGEMENT_DYNAMODB_TIMEOUTS }),
    logger,
  });
}
