import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GitHubKeys } from '../auth/github-keys';
import { KeyFormat } from '../domain/key-format';
import type { Clock } from '../domain/key-store';
import { LeakRevocation } from '../domain/leak-revocation';
import type { SecretScanningDependencies } from '../handlers/secret-scanning';
import type { AppLogger } from '../observability/logger';
import { environmentReader, loadSettings } from '../settings/load';
import { DynamoKeyStore } from '../store/key-repository';
import type { IndexReads } from '../store/table-upgrade';
import type { KeyConfig } from './config';
import { deployedTableWiring } from './table-wiring';

/** What handles GitHub's alerts: GitHub's public keys from `keysUrl` (default GitHub's own), the leak revocation over the one table. */
export function secretScanningDependencies(wiring: {
  readonly client: DynamoDBDocumentClient;
  readonly keys: KeyConfig;
  readonly logger: AppLogger;
  readonly clock?: Clock | undefined;
  /** GITHUB_SECRET_SCANNING_KEYS_URL; unset: GitHub's. */
  readonly keysUrl?: string | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly indexes?: IndexReads | undefined;
}): SecretScanningDependencies & { readonly keys: GitHubKeys } {
  const { client, keys, logger, clock } = wiring;
  const store = new DynamoKeyStore({ client, tableName: keys.tableName, indexes: wiring.indexes });
  return {
    keys: new GitHubKeys({ url: wiring.keysUrl, fetch: wiring.fetch, now: clock && (() => clock().getTime()) }),
    revocation: new LeakRevocation({ store, format: new KeyFormat(keys.keyPrefix), policy: keys.policy, clock }),
    logger,
  };
}

/** POST /secret-scanning/github, deployed: the management functions' settings; GitHub's keys fetched during the init phase. */
export function lambdaSecretScanningDependencies(): SecretScanningDependencies {
  const settings = loadSettings('management', environmentReader(process.env));
  const deps = secretScanningDependencies({
    ...deployedTableWiring(settings, 'secret-scanning'),
    keysUrl: settings.githubSecretScanningKeysUrl,
  });
  deps.keys.prime();
  return deps;
}
