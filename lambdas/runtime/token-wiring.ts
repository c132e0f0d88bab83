import { AccessTokens, type TokenKeySource } from '../domain/access-token';
import { KeyFormat } from '../domain/key-format';
import { tokenKeySource } from '../domain/signing-key-loader';
import { loadedTokenKeys } from '../domain/token-keys';
import { TokenExchange } from '../domain/token-exchange';
import type { TokenDependencies } from '../handlers/token';
import { createLogger } from '../observability/logger';
import { environmentReader, loadSettings } from '../settings/load';
import { AUTHORIZER_SECRET_TIMEOUTS, createSecretsManagerClient } from '../signing/aws-clients';
import { TokenKeySecret } from '../signing/token-key-secret';
import { DynamoKeyStore } from '../store/key-repository';
import { createDocumentClient, MANAGEMENT_DYNAMODB_TIMEOUTS } from './clients';
import { primedKeySetLoader } from './key-set-loading';
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
 * access tokens' MAC keys read from their secret in the init phase (and
 * hourly), the same keys the authorizer derives from its signing keys.
 */
export function lambdaTokenDependencies(): TokenDependencies {
  const settings = loadSettings('token', environmentReader(process.env));
  const logger = createLogger('user-api-keys-token');
  // The MAC keys alone, from their own secret: this public function holds no key that could sign an assertion.
  const secret = new TokenKeySecret(createSecretsManagerClient(AUTHORIZER_SECRET_TIMEOUTS), settings.accessTokenKeysSecretArn);
  const loader = primedKeySetLoader({ load: () => secret.read(), toKeys: loadedTokenKeys }, logger);
  return tokenDependencies({
    tableName: settings.tableName,
    keyPrefix: settings.keyPrefix,
    ttlSeconds: settings.accessTokenTtlSeconds,
    tokenKeys: tokenKeySource(loader),
    client: createDocumentClient({ timeouts: MANAGEMENT_DYNAMODB_TIMEOUTS }),
    logger,
  });
}
