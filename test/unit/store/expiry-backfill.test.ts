import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backfillExpiryIndex } from '../../../lambdas/store/expiry-backfill';

const NOW = new Date('2026-03-10T09:00:00.000Z');
const LATER = NOW.getTime() / 1000 + 3 * 86_400;

/** Each segment of this table is `pages` Scan pages of `scanned` items, `keys` of them old keys; each call is timed (fake timers). */
function fakeTable(options: { pages: number; scanned: number; keys: number; update?: (keyId: string) => void }) {
  const reads: { at: number; scanned: number }[] = [];
  const writes: { at: number; input: Record<string, any> }[] = [];
  const client = {
    send: (command: unknown) => {
      if (command instanceof ScanCommand) {
        const { Segment = 0, ExclusiveStartKey } = command.input;
        const page = (ExclusiveStartKey?.page as number | undefined) ?? 0;
        reads.push({ at: Date.now(), scanned: options.scanned });
        const Items = Array.from({ length: options.keys }, (_, i) => ({ pk: `key-${Segment}-${page}-${i}`, expiresAt: LATER }));
        return Promise.resolve({
          Items,
          ScannedCount: options.scanned,
          ...(page + 1 < options.pages ? { LastEvaluatedKey: { pk: 'x', page: page + 1 } } : {}),
        });
      }
      if (command instanceof UpdateCommand) {
        writes.push({ at: Date.now(), input: command.input });
        return Promise.resolve().then(() => {
          options.update?.(command.input.Key?.pk as string);
          return {};
        });
      }
      return Promise.reject(new Error('unexpected command'));
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, reads, writes };
}

/** Runs the backfill on fake timers (its pauses pass at once), from time 0. */
async function onFakeTime<T>(run: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ now: 0 });
  try {
    const result = run();
    // Handled below, after the timers: not an unhandled rejection meanwhile.
    result.catch(() => undefined);
    await jest.runAllTimersAsync();
    return await result;
  } finally {
    jest.useRealTimers();
  }
}

describe('the expiry index backfill', () => {
  it('holds reads and writes to the rate across parallel segments', async () => {
    const table = fakeTable({ pages: 3, scanned: 100, keys: 10 });
    const counts = await onFakeTime(() =>
      backfillExpiryIndex({ client: table.client, tableName: 'Keys', now: NOW, segments: 4, itemsPerSecond: 100 }),
    );
    expect(counts).toMatchObject({ scanned: 1200, found: 120, updated: 120 });
    // 1200 items at 100 a second: the last page is read no sooner than 11 s in.
    expect(Math.max(...table.reads.map((read) => read.at))).toBeGreaterThanOrEqual(11_000);
    // In no second were more than 100 items read.
    for (const { at } of table.reads) {
      const inWindow = table.reads.filter((read) => read.at >= at && read.at < at + 1000).reduce((sum, read) => sum + read.scanned, 0);
      expect(inWindow).toBeLessThanOrEqual(100);
    }
    // Writes: 120 at 100 a second.
    expect(table.writes.at(-1)!.at).toBeGreaterThanOrEqual(1190);
  });

  it('holds writes to the rate when pages are full of old keys', async () => {
    const table = fakeTable({ pages: 1, scanned: 100, keys: 100 });
    await onFakeTime(() => backfillExpiryIndex({ client: table.client, tableName: 'Keys', now: NOW, segments: 1, itemsPerSecond: 50 }));
    expect(table.reads).toHaveLength(1);
    // 100 writes at 50 a second: the last no sooner than 1.98 s in, and none two in one 20 ms slot.
    expect(table.writes.at(-1)!.at).toBeGreaterThanOrEqual(1980);
    expect(new Set(table.writes.map((write) => write.at)).size).toBe(100);
  });

  it('sends the condition that keeps it from racing a change, and the UTC day', async () => {
    const table = fakeTable({ pages: 1, scanned: 1, keys: 1 });
    await onFakeTime(() => backfillExpiryIndex({ client: table.client, tableName: 'Keys', now: NOW, segments: 1 }));
    expect(table.writes[0]?.input).toMatchObject({
      ConditionExpression:
        'attribute_not_exists(#day) AND attribute_not_exists(revokedAt) AND attribute_not_exists(replacedBy) AND expiresAt = :seen',
      ExpressionAttributeNames: { '#day': 'expiryDay' },
      ExpressionAttributeValues: { ':day': '2026-03-13', ':seen': LATER },
    });
  });

  it('writes nothing in a dry run', async () => {
    const table = fakeTable({ pages: 2, scanned: 5, keys: 5 });
    const counts = await onFakeTime(() =>
      backfillExpiryIndex({ client: table.client, tableName: 'Keys', now: NOW, dryRun: true, segments: 2 }),
    );
    expect(counts).toMatchObject({ found: 20, updated: 20 });
    expect(table.writes).toHaveLength(0);
  });

  it('counts a key changed in between, and stops at any other fault', async () => {
    const lost = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    const racing = fakeTable({
      pages: 1,
      scanned: 2,
      keys: 2,
      update: (keyId) => {
        if (keyId.endsWith('-0')) throw lost;
      },
    });
    await expect(
      onFakeTime(() => backfillExpiryIndex({ client: racing.client, tableName: 'Keys', now: NOW, segments: 1 })),
    ).resolves.toMatchObject({ found: 2, updated: 1, changed: 1 });
    const failing = fakeTable({
      pages: 1,
      scanned: 1,
      keys: 1,
      update: () => {
        throw new Error('throttled for good');
      },
    });
    await expect(
      onFakeTime(() => backfillExpiryIndex({ client: failing.client, tableName: 'Keys', now: NOW, segments: 1 })),
    ).rejects.toThrow('throttled for good');
  });

  it('refuses a rate, a page size or a segment count that is not a positive whole number', async () => {
    const { client } = fakeTable({ pages: 1, scanned: 0, keys: 0 });
    for (const bad of [{ itemsPerSecond: 0 }, { segments: 1.5 }, { pageSize: -1 }]) {
      await expect(backfillExpiryIndex({ client, tableName: 'Keys', ...bad })).rejects.toThrow(RangeError);
    }
  });
});
