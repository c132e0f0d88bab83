import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../../lambdas/domain/errors';
import { noticeWindow } from '../../../lambdas/events/expiry-notices';
import { ExpiryIndexReader, expiryDays } from '../../../lambdas/store/expiring-keys';
import { TABLE } from '../../../lambdas/store/table-schema';

const NOW = new Date('2026-03-10T09:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const DAY = 86_400;

interface Sent {
  input: Record<string, any>;
  name: string;
}
/** A client whose `send` records each command and answers from `answer`. */
function fakeClient(answer: (command: Sent, calls: number) => unknown) {
  const sent: Sent[] = [];
  const client = {
    send: (command: { input: Record<string, any>; constructor: { name: string } }) => {
      const entry = { input: command.input, name: command.constructor.name };
      sent.push(entry);
      return Promise.resolve().then(() => answer(entry, sent.length));
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, sent };
}

type Item = Record<string, unknown>;
const indexItem = (keyId: string, expiresAt: number, extra: Record<string, unknown> = {}) => ({
  pk: keyId,
  keyId,
  ownerId: 'auth0|owner',
  name: 'key',
  expiresAt,
  expiryDay: new Date(expiresAt * 1000).toISOString().slice(0, 10),
  ...extra,
});

describe('the expiry index reader', () => {
  it('reads the UTC days from today to today + N, one partition each', () => {
    expect(expiryDays(noticeWindow(NOW, 7))).toEqual([
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
      '2026-03-13',
      '2026-03-14',
      '2026-03-15',
      '2026-03-16',
      '2026-03-17',
    ]);
    expect(expiryDays(noticeWindow(new Date('2026-12-31T23:59:59.000Z'), 1))).toEqual(['2026-12-31', '2027-01-01']);
    expect(expiryDays(noticeWindow(new Date('2026-03-10T00:00:00.000Z'), 1))).toEqual(['2026-03-10', '2026-03-11']);
    // The same days whenever in today the run is.
    for (const time of ['00:00:00.000', '06:59:58.000', '07:00:05.000', '13:00:00.000', '23:59:59.999']) {
      expect(expiryDays(noticeWindow(new Date(`2026-03-10T${time}Z`), 7))).toEqual(expiryDays(noticeWindow(NOW, 7)));
    }
  });

  it('keeps a key expiring later today or at 23:59:59 of today + N, not one expired earlier today nor one due the day after', async () => {
    const second = (iso: string) => Date.parse(iso) / 1000;
    const items: Record<string, Item[]> = {
      '2026-03-10': [indexItem('EARLIER', second('2026-03-10T08:59:59.000Z')), indexItem('LATER', second('2026-03-10T09:00:01.000Z'))],
      '2026-03-17': [indexItem('LASTSECOND', second('2026-03-17T23:59:59.000Z'))],
      // Not a partition the reader asks for, but answered anyway: the reader checks the expiry itself.
      '2026-03-18': [indexItem('DAYAFTER', second('2026-03-18T00:00:00.000Z'))],
    };
    const { client, sent } = fakeClient(({ input }) => {
      const day = input.ExpressionAttributeValues[':day'] as string;
      return { Items: [...(items[day] ?? []), ...(day === '2026-03-11' ? items['2026-03-18']! : [])] };
    });
    const keys = await new ExpiryIndexReader({ client, tableName: 'Keys' }).expiringKeys(noticeWindow(NOW, 7));
    expect(keys.map((key) => key.keyId)).toEqual(['LATER', 'LASTSECOND']);
    expect(sent.map(({ input }) => input.ExpressionAttributeValues[':day'])).toEqual(expiryDays(noticeWindow(NOW, 7)));
  });

  it('queries each day in bounded pages, follows LastEvaluatedKey, and keeps only active keys in the window', async () => {
    const { client, sent } = fakeClient(({ input }) => {
      if (input.ExpressionAttributeValues[':day'] !== '2026-03-11') return { Items: [] };
      if (input.ExclusiveStartKey === undefined) {
        return { Items: [indexItem('AAAA', NOW_SECONDS + DAY)], LastEvaluatedKey: { pk: 'AAAA', keyId: 'AAAA', expiryDay: '2026-03-11' } };
      }
      return {
        Items: [
          indexItem('BBBB', NOW_SECONDS + DAY + 60),
          indexItem('CCCC', NOW_SECONDS + DAY, { revokedAt: NOW.toISOString() }),
          indexItem('DDDD', NOW_SECONDS + DAY, { disabledAt: NOW.toISOString() }),
          indexItem('EEEE', NOW_SECONDS + DAY, { replacedBy: 'FFFF' }),
          indexItem('GGGG', NOW_SECONDS + DAY, { pk: 'other' }),
          indexItem('HHHH', NOW_SECONDS + DAY, { ownerId: 7 }),
          indexItem('IIII', NOW_SECONDS + DAY, { disabledAt: 5 }),
          indexItem('JJJJ', NOW_SECONDS + 9 * DAY),
        ],
      };
    });
    const reader = new ExpiryIndexReader({ client, tableName: 'Keys', pageSize: 2 });
    const keys = await reader.expiringKeys(noticeWindow(NOW, 7));
    expect(keys.map((key) => key.keyId)).toEqual(['AAAA', 'BBBB']);
    expect(keys[0]).toEqual({ keyId: 'AAAA', ownerId: 'auth0|owner', name: 'key', expiresAt: NOW_SECONDS + DAY });
    expect(sent.every((command) => command.name === QueryCommand.name)).toBe(true);
    expect(sent).toHaveLength(9);
    for (const { input } of sent) {
      expect(input).toMatchObject({ TableName: 'Keys', IndexName: TABLE.expiryIndex.name, Limit: 2 });
    }
    expect(sent[2]?.input.ExclusiveStartKey).toEqual({ pk: 'AAAA', keyId: 'AAAA', expiryDay: '2026-03-11' });
  });

  it('turns a DynamoDB fault into the store’s DependencyUnavailableError', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    const { client } = fakeClient(() => {
      throw throttled;
    });
    const reader = new ExpiryIndexReader({ client, tableName: 'Keys' });
    const failure = reader.expiringKeys(noticeWindow(NOW, 7));
    await expect(failure).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', cause: throttled });
    await expect(reader.indexStatus()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('reads the index status with one DescribeTable', async () => {
    const status = (indexes: unknown) =>
      new ExpiryIndexReader({
        client: fakeClient(() => ({ Table: { GlobalSecondaryIndexes: indexes } })).client,
        tableName: 'Keys',
      }).indexStatus();
    await expect(
      status([
        { IndexName: 'byOwner-v2', IndexStatus: 'ACTIVE' },
        { IndexName: 'byExpiryDay', IndexStatus: 'CREATING' },
      ]),
    ).resolves.toBe('CREATING');
    await expect(status([{ IndexName: 'byExpiryDay', IndexStatus: 'ACTIVE' }])).resolves.toBe('ACTIVE');
    await expect(status([{ IndexName: 'byOwner-v2', IndexStatus: 'ACTIVE' }])).resolves.toBeUndefined();
    await expect(status(undefined)).resolves.toBeUndefined();
    const { client, sent } = fakeClient(() => ({ Table: {} }));
    await new ExpiryIndexReader({ client, tableName: 'Keys' }).indexStatus();
    expect(sent).toEqual([{ name: DescribeTableCommand.name, input: { TableName: 'Keys' } }]);
  });
});
