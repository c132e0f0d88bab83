import { itemAt } from './arrays';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { createTableInput, TABLE } from '../lambdas/store/table-schema';
import { seededRandom } from '../test/support/seeded-random';
import { authorizerEvent, keyStream, makeKeys, seedKeys, type BenchKey } from './fixtures';
import type { Progress } from './output';
import type { Plan } from './plan';

export interface BenchTables {
  /** 1,000 keys: figures 1 to 4 and figure 7's small table. */
  readonly small: { readonly name: string; readonly keys: readonly BenchKey[]; readonly seedSeconds: number };
  /** Figure 7's large table; its keys are not kept, only the sample. */
  readonly large: {
    readonly name: string;
    readonly seedSeconds: number;
    readonly itemsWritten: number;
    readonly itemsPerSecond: number;
    readonly concurrency: number;
  };
  /** Figure 7's samples: keys spread over each table, in a shuffled (seeded) order. */
  readonly smallEvents: readonly APIGatewayRequestAuthorizerEventV2[];
  readonly largeEvents: readonly APIGatewayRequestAuthorizerEventV2[];
}

/**
 * A key table as the stack makes it (lambdas/store/table-schema.ts), without
 * its stream, and for figure 7 without its indexes too. The stream feeds
 * lifecycle events, which no verification reads, and DynamoDB Local slows
 * every write by the stream records it already holds (in a trial: 1,200
 * items/s on a fresh database, under 100 after 20,000 writes with the stream
 * on). The indexes are written with every item and read by no verification
 * (GetItem reads the base table by its key): without them DynamoDB Local
 * writes about twice as fast (3,000 against 1,600 items/s in a trial), which
 * is what puts a million keys within a run's minutes.
 */
export async function createBenchTable(
  admin: DynamoDBDocumentClient,
  tableName: string,
  options: { readonly indexes: boolean } = { indexes: true },
): Promise<void> {
  const { StreamSpecification: _stream, GlobalSecondaryIndexes, AttributeDefinitions, ...input } = createTableInput(tableName);
  const keyOnly = input.KeySchema?.map((key) => key.AttributeName) ?? [];
  await admin.send(
    new CreateTableCommand({
      ...input,
      ...(options.indexes
        ? { GlobalSecondaryIndexes, AttributeDefinitions }
        : { AttributeDefinitions: AttributeDefinitions?.filter((a) => keyOnly.includes(a.AttributeName)) }),
    }),
  );
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- as local/table.ts: the document client sends DescribeTable as it is
  await waitUntilTableExists({ client: admin, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: tableName });
}

/** Creates and seeds both tables, then warms DynamoDB Local's reads up before anything is timed. */
export async function seedBenchTables(admin: DynamoDBDocumentClient, plan: Plan, nowMs: number, progress: Progress): Promise<BenchTables> {
  const { scale } = plan;
  const smallName = 'BenchKeys1k';
  progress(`seeding ${scale.small} keys`);
  await createBenchTable(admin, smallName, { indexes: false });
  const smallKeys = makeKeys(1, scale.small, nowMs);
  let seedStart = Date.now();
  await seedKeys(
    admin,
    smallName,
    smallKeys.map((k) => k.stored),
  );
  const smallSeedSeconds = (Date.now() - seedStart) / 1000;
  // Figure 7's large table, before anything is timed: the heavy writing also warms DynamoDB Local's JVM up.
  const largeName = `BenchKeys${scale.large / 1000}k`;
  progress(
    `figure 7: seeding ${scale.large.toLocaleString('en-US')} keys (BatchWriteItem, toItem's format, ${scale.seedConcurrency} calls in flight)`,
  );
  await createBenchTable(admin, largeName, { indexes: false });
  // Keys are made as the calls go and dropped once written: only the sample, spread evenly over the table, is kept.
  const step = Math.floor(scale.large / scale.sample);
  const sampled: BenchKey[] = [];
  let made = 0;
  function* largeKeys() {
    for (const key of keyStream(2, scale.large, nowMs)) {
      if (made % step === 0 && sampled.length < scale.sample) sampled.push(key);
      made += 1;
      yield key.stored;
    }
  }
  seedStart = Date.now();
  const progressEvery = setInterval(() => {
    progress(`  ${Math.round((Date.now() - seedStart) / 1000)} s: ${made.toLocaleString('en-US')} keys sent`);
  }, 30_000);
  let itemsWritten: number;
  try {
    itemsWritten = await seedKeys(admin, largeName, largeKeys(), scale.seedConcurrency);
  } finally {
    clearInterval(progressEvery);
  }
  const largeSeedSeconds = (Date.now() - seedStart) / 1000;
  const largeEvents = shuffledEvents(sampled, 12);
  const smallEvents = sample(smallKeys, scale.sample, 11);
  progress(`  seeded in ${largeSeedSeconds.toFixed(1)} s (${Math.round(itemsWritten / largeSeedSeconds).toLocaleString('en-US')} items/s)`);
  // DynamoDB Local is Java: give its JIT reads too (the seeding gave it writes) before anything is timed.
  progress(`warming DynamoDB Local up (${plan.dynamoWarmupSeconds} s of GetItem)`);
  await warmUpReads(admin, smallName, smallKeys, plan.dynamoWarmupSeconds);
  return {
    small: { name: smallName, keys: smallKeys, seedSeconds: smallSeedSeconds },
    large: {
      name: largeName,
      seedSeconds: largeSeedSeconds,
      itemsWritten,
      itemsPerSecond: itemsWritten / largeSeedSeconds,
      concurrency: scale.seedConcurrency,
    },
    smallEvents,
    largeEvents,
  };
}

/** `size` keys spread evenly over the table, shuffled with a seeded Fisher–Yates. */
function sample(keys: readonly BenchKey[], size: number, seed: number): APIGatewayRequestAuthorizerEventV2[] {
  const step = Math.floor(keys.length / size);
  return shuffledEvents(
    Array.from({ length: size }, (_, i) => itemAt(keys, i * step)),
    seed,
  );
}

function shuffledEvents(keys: readonly BenchKey[], seed: number): APIGatewayRequestAuthorizerEventV2[] {
  const picked = [...keys];
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
