import { itemAt } from './arrays';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { TABLE } from '../lambdas/store/table-schema';
import { ensureTable } from '../local/table';
import { seededRandom } from '../test/support/seeded-random';
import { authorizerEvent, makeKeys, seedKeys, type BenchKey } from './fixtures';
import type { Progress } from './output';
import type { Plan } from './plan';

export interface BenchTables {
  /** 1,000 keys: figures 1 to 4 and figure 7's small table. */
  readonly small: { readonly name: string; readonly keys: readonly BenchKey[]; readonly seedSeconds: number };
  /** Figure 7's large table; its keys are not kept, only the sample. */
  readonly large: { readonly name: string; readonly seedSeconds: number };
  /** Figure 7's samples: keys spread over each table, in a shuffled (seeded) order. */
  readonly smallEvents: readonly APIGatewayRequestAuthorizerEventV2[];
  readonly largeEvents: readonly APIGatewayRequestAuthorizerEventV2[];
}

/** Creates and seeds both tables, then warms DynamoDB Local's reads up before anything is timed. */
export async function seedBenchTables(admin: DynamoDBDocumentClient, plan: Plan, nowMs: number, progress: Progress): Promise<BenchTables> {
  const { scale } = plan;
  const smallName = 'BenchKeys1k';
  progress(`seeding ${scale.small} keys`);
  await ensureTable(admin, smallName);
  const smallKeys = makeKeys(1, scale.small, nowMs);
  let seedStart = Date.now();
  await seedKeys(
    admin,
    smallName,
    smallKeys.map((k) => k.stored),
  );
  const smallSeedSeconds = (Date.now() - seedStart) / 1000;
  // Figure 7's large table, seeded first: the heavy writing also warms DynamoDB Local's JVM up.
  const largeName = `BenchKeys${scale.large / 1000}k`;
  progress(`figure 7: seeding ${scale.large.toLocaleString('en-US')} keys (BatchWriteItem, toItem's format)`);
  await ensureTable(admin, largeName);
  seedStart = Date.now();
  const largeEvents = await (async () => {
    // Scoped, so the 100,000 keys are garbage once seeded: only the sample stays in this process's heap.
    const largeKeys = makeKeys(2, scale.large, nowMs);
    await seedKeys(
      admin,
      largeName,
      largeKeys.map((k) => k.stored),
    );
    return sample(largeKeys, scale.sample, 12);
  })();
  const smallEvents = sample(smallKeys, scale.sample, 11);
  const largeSeedSeconds = (Date.now() - seedStart) / 1000;
  progress(`  seeded in ${largeSeedSeconds.toFixed(1)} s`);
  // DynamoDB Local is Java: give its JIT reads too (the seeding gave it writes) before anything is timed.
  progress(`warming DynamoDB Local up (${plan.dynamoWarmupSeconds} s of GetItem)`);
  await warmUpReads(admin, smallName, smallKeys, plan.dynamoWarmupSeconds);
  return {
    small: { name: smallName, keys: smallKeys, seedSeconds: smallSeedSeconds },
    large: { name: largeName, seedSeconds: largeSeedSeconds },
    smallEvents,
    largeEvents,
  };
}

/** `size` keys spread evenly over the table, shuffled with a seeded Fisher–Yates. */
function sample(keys: readonly BenchKey[], size: number, seed: number): APIGatewayRequestAuthorizerEventV2[] {
  const step = Math.floor(keys.length / size);
  const picked = Array.from({ length: size }, (_, i) => itemAt(keys, i * step));
  const random = seededRandom(seed);
  for (let i = picked.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [picked[i], picked[j]] = [itemAt(picked, j), itemAt(picked, i)];
  }
  return picked.map((k) => authorizerEvent(`Bearer ${k.key}`));
}

/** Four workers reading keys for `seconds`, strongly consistent, as the authorizer reads. */
async function warmUpReads(admin: DynamoDBDocumentClient, tableName: string, keys: readonly BenchKey[], seconds: number): Promise<void> {
  const warmUntil = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      for (let i = worker; Date.now() < warmUntil; i += 4) {
        await admin.send(
          new GetCommand({
            TableName: tableName,
            Key: { [TABLE.partitionKey]: itemAt(keys, i % keys.length).stored.keyId },
            ConsistentRead: true,
          }),
        );
      }
    }),
  );
}
