import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CachedWebhookToken, type WebhookTokenSource } from '../auth/webhook-token';
import type { Clock } from '../domain/key-store';
import { OwnerKeys } from '../domain/owner-keys';
import { OwnerLifecycle } from '../domain/owner-lifecycle';
import type { Auth0WebhookDependencies } from '../handlers/auth0-webhook';
import type { OwnerEventDependencies } from '../handlers/owner-events';
import type { AppLogger } from '../observability/logger';
import { ConfigError } from '../settings/config-error';
import { createSecretsManagerClient } from '../signing/aws-clients';
import { DynamoKeyStore } from '../store/key-repository';
import type { IndexReads } from '../store/table-upgrade';
import type { KeyConfig } from './config';
import { environmentReader, loadSettings } from '../settings/load';
import { deployedTableWiring } from './table-wiring';

/** What applies Auth0's reports: the lifecycle over the owner's keys, on the one table. */
export function ownerEventDependencies(wiring: {
  readonly client: DynamoDBDocumentClient;
  readonly keys: KeyConfig;
  readonly logger: AppLogger;
  readonly clock?: Clock | undefined;
  readonly indexes?: IndexReads | undefined;
}): OwnerEventDependencies {
  const store = new DynamoKeyStore({ client: wiring.client, tableName: wiring.keys.tableName, indexes: wiring.indexes });
  const ownerKeys = new OwnerKeys({ store, policy: wiring.keys.policy, clock: wiring.clock });
  return { lifecycle: new OwnerLifecycle(store, ownerKeys), logger: wiring.logger };
}

function deployedWiring() {
  const settings = loadSettings('management', environmentReader(process.env));
  return { settings, deps: ownerEventDependencies(deployedTableWiring(settings, 'auth0-events')) };
}

/** The EventBridge target (lib/owner-events.ts): the management functions' settings, no token verifier. */
export const lambdaOwnerEventDependencies = (): OwnerEventDependencies => deployedWiring().deps;

/** POST /auth0/events: the same, and the webhook token from its secret (AUTH0_WEBHOOK_SECRET_ARN). */
export function lambdaWebhookDependencies(): Auth0WebhookDependencies {
  const { settings, deps } = deployedWiring();
  const secretArn = settings.auth0WebhookSecretArn;
  if (secretArn === undefined) throw new ConfigError('AUTH0_WEBHOOK_SECRET_ARN', { missing: true });
  const secrets = createSecretsManagerClient();
  const token: WebhookTokenSource = new CachedWebhookToken(async () => {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    return SecretString ?? '';
  });
  return { ...deps, token };
}
