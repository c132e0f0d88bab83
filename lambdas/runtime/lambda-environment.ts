import { createLogger } from '../observability/logger';
import { createDocumentClient } from './clients';
import { loadAuthConfig, loadKeyConfig } from './config';
import { authorizerDependencies, managementDependencies } from './dependencies';

/**
 * Module-scope wiring for the deployed Lambdas: config is read and validated
 * once per cold start (a bad setting fails the init, naming the variable), and
 * the DynamoDB client and JWT verifier are reused by every invocation.
 */
export function lambdaAuthorizerDependencies() {
  return authorizerDependencies({
    keys: loadKeyConfig(process.env),
    client: createDocumentClient(),
    logger: createLogger('api-key-authorizer'),
  });
}

export function lambdaManagementDependencies() {
  const deps = managementDependencies({
    keys: loadKeyConfig(process.env),
    auth: loadAuthConfig(process.env),
    client: createDocumentClient(),
    logger: createLogger('api-key-management'),
  });
  // Fetch the JWKS during init rather than on the first request; a failure
  // here is retried by the first verify().
  deps.tokens.hydrate().catch(() => undefined);
  return deps;
}
