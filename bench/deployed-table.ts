import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seededRandom } from '../test/support/seeded-random';
import { DEPLOYED_TABLE } from './cold-start';
import { createBenchTable } from './tables';
import { FORMAT, makeKeys, mistypedHeaders, randomBase62, seedKeys, type BenchKey } from './fixtures';

/** The deployed bundle's keys (figures 1 and 5), in DynamoDB Local's database for DEPLOYED_TABLE's access key id and region. */
export interface DeployedTable {
  /** Valid keys: figure 1 caches the first 64, the cache check uses one more, figure 5's fresh processes the rest. */
  readonly keys: readonly BenchKey[];
  /** Revoked keys: each a denial whose verdict is cached. */
  readonly revoked: readonly BenchKey[];
  /** Authorization headers with a real key id and a secret that is not its own (checksum valid). */
  readonly wrongSecretHeaders: readonly string[];
  /** Valid keys with one character changed (refused by the checksum). */
  readonly mistypedHeaders: readonly string[];
}

/** Indexes into DeployedTable.keys. */
export const DEPLOYED_KEYS = { cached: 64, cacheCheck: 64, coldStartFrom: 100, count: 200 } as const;

/**
 * Creates the deployed authorizer's table (TABLE_NAME of lambdaLikeEnv) with
 * the project's schema in a database of its own, and seeds it: what the
 * bundle, run with the deployed environment, reads.
 */
export async function seedDeployedTable(endpoint: string, nowMs: number): Promise<DeployedTable> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: DEPLOYED_TABLE.region, credentials: { ...DEPLOYED_TABLE.credentials } }),
  );
  try {
    await createBenchTable(client, DEPLOYED_TABLE.tableName);
    const keys = makeKeys(31, DEPLOYED_KEYS.count, nowMs);
    const revoked = makeKeys(32, 16, nowMs).map((k) => ({
      ...k,
      stored: { ...k.stored, revokedAt: new Date(nowMs - 3_600_000).toISOString() },
    }));
    await seedKeys(
      client,
      DEPLOYED_TABLE.tableName,
      [...keys, ...revoked].map((k) => k.stored),
    );
    const random = seededRandom(33);
    const wrongSecretHeaders = keys.slice(0, 16).map((k) => `Bearer ${FORMAT.format(k.stored.keyId, randomBase62(random, 43))}`);
    return {
      keys,
      revoked,
      wrongSecretHeaders,
      mistypedHeaders: mistypedHeaders(
        34,
        keys.map((k) => k.key),
        64,
      ),
    };
  } finally {
    client.destroy();
  }
}
