import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { KeyVerifier } from '../../lambdas/domain/key-verifier';
import { hashSecret, secretMatchesHash } from '../../lambdas/domain/secret-hash';
import { judgeKey } from '../../lambdas/domain/verdict';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { toItem } from '../../lambdas/store/item-mapping';
import { freshTable } from '../support/dynamodb';

/**
 * A measurement, not a test of time (issue #19 finding 7): it asserts only the
 * verdicts and prints what an unknown key id and a wrong secret cost, in CPU
 * (judgeKey alone) and end to end (KeyVerifier over DynamoDB Local). The CPU
 * work is the same by construction (see key-verifier-dummy-hash.test.ts); what
 * remains is the store: an item found is returned, unmarshalled and mapped,
 * a missing one is not. That reveals at most whether an id exists (128 random
 * bits, never guessable), not anything of a secret, and in AWS it sits inside
 * DynamoDB's own latency jitter, which is out of our hands.
 */

const format = new KeyFormat('uak');
const NOW = new Date();

const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? NaN;

/** Median nanoseconds of `run`, in rounds interleaved with the other runs so drift hits all alike. */
async function interleaved(runs: Record<string, () => unknown>, rounds: number, perRound: number): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, run] of Object.entries(runs)) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < perRound; i += 1) await run();
      samples[name]?.push(Number(process.hrtime.bigint() - start) / perRound);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

const report = (title: string, medians: Record<string, number>, unit: 'ns' | 'µs'): void => {
  const scale = unit === 'ns' ? 1 : 1000;
  const lines = Object.entries(medians).map(([name, ns]) => `  ${name}: ${(ns / scale).toFixed(1)} ${unit}`);
  process.stdout.write(`${title}\n${lines.join('\n')}\n`);
};

it('an unknown id and a wrong secret: same CPU work; what the store adds for a found item is measured and printed', async () => {
  const found = format.generate();
  const missing = format.generate();
  const stored = {
    keyId: found.keyId,
    ownerId: 'auth0|timing',
    secretHash: hashSecret('not the presented secret'),
    name: 'timing',
    scopes: [],
    createdAt: NOW.toISOString(),
    expiresAt: Math.floor(NOW.getTime() / 1000) + 3600,
  };

  expect(judgeKey(missing, undefined, NOW)).toMatchObject({ code: 'NOT_FOUND' });
  expect(judgeKey(found, stored, NOW)).toMatchObject({ code: 'INVALID_SECRET' });
  const cpu = await interleaved(
    {
      'judgeKey, unknown id': () => judgeKey(missing, undefined, NOW),
      'judgeKey, wrong secret': () => judgeKey(found, stored, NOW),
      'one secret comparison (what an unknown id skipped before the fix)': () => secretMatchesHash(found.secret, stored.secretHash),
    },
    40,
    2000,
  );
  report('CPU, median per call:', cpu, 'ns');

  const { client, tableName } = await freshTable();
  await client.send(new PutCommand({ TableName: tableName, Item: toItem(stored) }));
  const verifier = new KeyVerifier({ store: new DynamoKeyStore({ client, tableName }), format });
  expect(await verifier.verify(`Bearer ${missing.key}`)).toMatchObject({ code: 'NOT_FOUND' });
  expect(await verifier.verify(`Bearer ${found.key}`)).toMatchObject({ code: 'INVALID_SECRET' });
  const endToEnd = await interleaved(
    {
      'KeyVerifier over DynamoDB Local, unknown id': () => verifier.verify(`Bearer ${missing.key}`),
      'KeyVerifier over DynamoDB Local, wrong secret': () => verifier.verify(`Bearer ${found.key}`),
    },
    30,
    10,
  );
  report('End to end (one GetItem each), median per call:', endToEnd, 'µs');
});
