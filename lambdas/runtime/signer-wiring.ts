import type { TokenKeySource } from '../domain/access-token';
import { AssertionIssuer } from '../domain/assertion-signer';
import { tokenKeySource } from '../domain/signing-key-loader';
import { signingKeys } from '../domain/signing-keys';
import type { AppLogger } from '../observability/logger';
import type { SettingsFor } from '../settings/schema';
import { AUTHORIZER_SECRET_TIMEOUTS, createSecretsManagerClient } from '../signing/aws-clients';
import { secretKeySetLoader } from '../signing/secret-key-source';
import { primedKeySetLoader } from './key-set-loading';

type AuthorizerAssertionSettings = Pick<
  SettingsFor<'authorizer'>,
  'assertionIssuer' | 'assertionAudience' | 'assertionLifetimeSeconds' | 'assertionSecretArn'
>;

/**
 * The deployed authorizer's signer: the private keys are read from Secrets
 * Manager (never from the environment) once per cold start, started here in
 * the init phase, and reloaded hourly off the hot path (KeySetLoader).
 */
export function lambdaAssertionSigning(
  settings: AuthorizerAssertionSettings,
  logger: AppLogger,
): { issuer: AssertionIssuer; tokenKeys: TokenKeySource } {
  const client = createSecretsManagerClient(AUTHORIZER_SECRET_TIMEOUTS);
  const loader = primedKeySetLoader({ load: secretKeySetLoader(client, settings.assertionSecretArn), toKeys: signingKeys }, logger);
  const issuer = new AssertionIssuer({
    issuer: settings.assertionIssuer,
    audience: settings.assertionAudience,
    lifetimeSeconds: settings.assertionLifetimeSeconds,
    key: () => loader.key(),
  });
  return { issuer, tokenKeys: tokenKeySource(loader) };
}
