// The JWKS, rotation and sample /whoami functions' wiring; the authorizer's signer is in signer-wiring.ts, so its bundle carries neither SSM nor aws-jwt-verify.
import { AssertionVerifier } from '../auth/assertion-verifier';
import type { Jwks } from '../domain/signing-keys';
import type { JwksDependencies } from '../handlers/jwks';
import type { WhoamiDependencies } from '../handlers/whoami';
import { createLogger } from '../observability/logger';
import { environmentReader, loadSettings } from '../settings/load';
import { createSecretsManagerClient, JWKS_PARAMETER_TIMEOUTS } from '../signing/aws-clients';
import { createSsmClient, JwksParameter } from '../signing/jwks-parameter';
import { KeyRotation } from '../signing/key-rotation';
import { TokenKeySecret } from '../signing/token-key-secret';

/** The JWKS function keeps what it read for a minute: a rotation's setSecret reaches it well inside a new key's hour of waiting. */
export const JWKS_READ_CACHE_MS = 60_000;

/** Re-reads at most once per `ttlMs`; a failed read is not kept (the next request tries again). */
export function cachedJwksSource(read: () => Promise<Jwks>, ttlMs = JWKS_READ_CACHE_MS, now: () => number = Date.now) {
  let held: { jwks: Jwks; atMs: number } | undefined;
  return {
    async jwks(): Promise<Jwks> {
      if (held !== undefined && now() - held.atMs < ttlMs) return held.jwks;
      const jwks = await read();
      held = { jwks, atMs: now() };
      return jwks;
    },
  };
}

const assertionSettings = () => loadSettings('assertion', environmentReader(process.env));

/** GET /.well-known/jwks.json in Lambda: the SSM parameter, no access to the secret; one short attempt (503 when it fails). */
export function lambdaJwksDependencies(): JwksDependencies {
  const parameter = new JwksParameter(createSsmClient(JWKS_PARAMETER_TIMEOUTS), assertionSettings().assertionJwksParameter);
  return { source: cachedJwksSource(() => parameter.read()), logger: createLogger('user-api-keys-jwks') };
}

/** The rotation function: the secret (its own four actions), the JWKS parameter (write) and the access tokens' MAC keys (write). */
export function lambdaKeyRotation(): KeyRotation {
  const logger = createLogger('user-api-keys-signing-key-rotation');
  const settings = assertionSettings();
  const secrets = createSecretsManagerClient();
  return new KeyRotation({
    secrets,
    jwks: new JwksParameter(createSsmClient(), settings.assertionJwksParameter),
    tokenKeys: new TokenKeySecret(secrets, settings.accessTokenKeysSecretArn),
    logger,
  });
}

/** The deployed sample /whoami: it verifies the assertion as any backend would, against the API's public JWKS over https. */
export function lambdaWhoamiDependencies(): WhoamiDependencies {
  const settings = assertionSettings();
  return { assertions: new AssertionVerifier({ issuer: settings.assertionIssuer, audience: settings.assertionAudience }) };
}
