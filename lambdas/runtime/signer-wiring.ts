import type { TokenKeySource } from '../domain/access-token';
import { AssertionIssuer } from '../domain/assertion-signer';
import { SigningKeyLoader, tokenKeySource } from '../domain/signing-key-loader';
import { describeError, type AppLogger } from '../observability/logger';
import type { SettingsFor } from '../settings/schema';
import { AUTHORIZER_SECRET_TIMEOUTS, createSecretsManagerClient } from '../signing/aws-clients';
import { secretKeySetLoader } from '../signing/secret-key-source';

type AuthorizerAssertionSettings = Pick<
  SettingsFor<'authorizer'>,
  'assertionIssuer' | 'assertionAudience' | 'assertionLifetimeSeconds' | 'assertionSecretArn'
>;

/**
 * The deployed authorizer's signer: the private keys are read from Secrets
 * Manager (never from the environment) once per cold start, started here in
 * the init phase, and reloaded hourly off the hot path (SigningKeyLoader).
 */
export function lambdaAssertionSigning(
  settings: AuthorizerAssertionSettings,
  logger: AppLogger,
): { issuer: AssertionIssuer; tokenKeys: TokenKeySource } {
  const client = createSecretsManagerClient(AUTHORIZER_SECRET_TIMEOUTS);
  const loader = new SigningKeyLoader({
    load: secretKeySetLoader(client, settings.assertionSecretArn),
    onRefreshError: (error) => {
      logger.warn('signing key reload failed; the keys in hand stay in use', describeError(error));
    },
  });
  loader.prime();
  const issuer = new AssertionIssuer({
    issuer: settings.assertionIssuer,
    audience: settings.assertionAudience,
    lifetimeSeconds: settings.assertionLifetimeSeconds,
    key: () => loader.key(),
  });
  return { issuer, tokenKeys: tokenKeySource(loader) };
}
