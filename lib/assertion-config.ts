import { Lazy } from 'aws-cdk-lib';
import type { UserApiKeysConfig } from './user-api-keys-config';

/** The header a URL backend finds the signed identity assertion in. */
export const ASSERTION_HEADER = 'x-api-key-assertion';

/**
 * The assertion's issuer and audience: as set, or derived. The issuer is the
 * API's own URL (its JWKS is at <issuer>/.well-known/jwks.json); the audience
 * names the backend: `backendUrl`'s origin, `backendFunctionArn`, or, for the
 * sample /whoami that lives in this API, the API's URL too.
 */
export function assertionSettings(
  config: Pick<UserApiKeysConfig, 'assertionIssuer' | 'assertionAudience' | 'backend'>,
  apiEndpoint: () => string,
): { assertionIssuer: string; assertionAudience: string } {
  // Produced at synth: the API is made after the functions whose environment names it.
  const api = Lazy.string({ produce: apiEndpoint });
  const backend = config.backend;
  const derivedAudience = backend.kind === 'url' ? new URL(backend.url).origin : backend.kind === 'function' ? backend.functionArn : api;
  return { assertionIssuer: config.assertionIssuer ?? api, assertionAudience: config.assertionAudience ?? derivedAudience };
}
