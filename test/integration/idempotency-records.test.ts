import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  IDEMPOTENCY_WINDOW_SECONDS,
  idempotencyRecordId,
  openOutcome,
  requestFingerprint,
  sealOutcome,
} from '../../lambdas/domain/idempotency';
import {
  idempotencyItemKey,
  putIdempotencyRecord,
  readIdempotencyRecord,
  toIdempotencyItem,
  toIdempotencyRecord,
  type IdempotencyRecord,
} from '../../lambdas/store/idempotency-records';
import { namedTransaction } from '../../lambdas/store/named-transaction';
import { storeContext, type StoreContext } from '../../lambdas/store/store-calls';
import { TABLE } from '../../lambdas/store/table-schema';
import { rejection } from '../support/domain-errors';
import { freshTable } from '../support/dynamodb';

// Real time: DynamoDB Local runs TTL deletion, so every record is live by the wall clock;
// a record's window is made to be over by reading and writing at a later `now`.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const nowSeconds = NOW.getTime() / 1000;
const later = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);

function newRecord(ownerId: string, idempotencyKey: string, body: unknown, at: Date = NOW): IdempotencyRecord {
  return {
    recordId: idempotencyRecordId(ownerId, idempotencyKey),
    ownerId,
    fingerprint: requestFingerprint({ route: 'POST /keys', body }),
    sealed: sealOutcome(idempotencyKey, ownerId, { status: 201, body: { ...(body as object), key: `uak_${randomUUID()}` } }),
    createdAt: at.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + IDEMPOTENCY_WINDOW_SECONDS,
  };
}

describe('idempotency records against DynamoDB Local', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let context: StoreContext;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    context = storeContext({ client, tableName });
  });
  afterAll(() => {
    client.destroy();
  });

  /** Writes the record in a transaction beside another item, as the create and rotate flows do. */
  async function write(record: IdempotencyRecord, now: Date): Promise<ReadonlySet<string> | 'written'> {
    const transaction = namedTransaction({
      record: putIdempotencyRecord(tableName, record, now),
      other: { Put: { TableName: tableName, Item: { [TABLE.partitionKey]: `other#${randomUUID()}` } } },
    });
    try {
      await client.send(transaction.command);
      return 'written';
    } catch (error) {
      expect(error).toBeInstanceOf(TransactionCanceledException);
      const failed = transaction.failedConditions(error);
      if (failed === undefined) throw error;
      return failed;
    }
  }

  it('puts a record in a transaction, and reads it back, sealed', async () => {
    const key = randomUUID();
    const record = newRecord('auth0|alice', key, { name: 'ci' });
    expect(await write(record, NOW)).toBe('written');
    const read = await readIdempotencyRecord(context, record.recordId, NOW);
    expect(read).toEqual(record);
    expect(openOutcome(key, 'auth0|alice', read!.sealed)).toMatchObject({ status: 201, body: { name: 'ci' } });
  });

  it('stores it under idem#<recordId>, with the TTL attribute, and nothing the owner index would take', async () => {
    const record = newRecord('auth0|lister', randomUUID(), { name: 'ci' });
    expect(await write(record, NOW)).toBe('written');
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: idempotencyItemKey(record.recordId) }, ConsistentRead: true }),
    );
    expect(Item?.[TABLE.partitionKey]).toBe(`idem#${record.recordId}`);
    expect(Item?.[TABLE.ttlAttribute]).toBe(record.expiresAt);
    expect(Item).not.toHaveProperty(TABLE.ownerIndex.partitionKey);
    expect(Item).not.toHaveProperty(TABLE.ownerIndex.sortKey);
    expect(toIdempotencyRecord(Item!)).toEqual(record);
    const { Items } = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE.ownerIndex.name,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': TABLE.ownerIndex.partitionKey },
        ExpressionAttributeValues: { ':owner': 'auth0|lister' },
      }),
    );
    expect(Items).toEqual([]);
  });

  it('refuses a second record for the same owner and key while the first is live, and keeps the first', async () => {
    const key = randomUUID();
    const first = newRecord('auth0|bob', key, { name: 'first' });
    expect(await write(first, NOW)).toBe('written');
    const second = newRecord('auth0|bob', key, { name: 'second' });
    expect(await write(second, later(60))).toEqual(new Set(['record']));
    expect(await write(second, later(IDEMPOTENCY_WINDOW_SECONDS - 1))).toEqual(new Set(['record']));
    expect(await readIdempotencyRecord(context, first.recordId, later(60))).toEqual(first);
  });

  it("keeps another owner's same Idempotency-Key apart", async () => {
    const key = randomUUID();
    const alice = newRecord('auth0|alice', key, { name: 'ci' });
    const mallory = newRecord('auth0|mallory', key, { name: 'ci' });
    expect(await write(alice, NOW)).toBe('written');
    expect(await write(mallory, NOW)).toBe('written');
    expect(await readIdempotencyRecord(context, alice.recordId, NOW)).toEqual(alice);
    expect(await readIdempotencyRecord(context, mallory.recordId, NOW)).toEqual(mallory);
  });

  it('replaces a record whose window is over, though TTL has not deleted it yet', async () => {
    const key = randomUUID();
    const first = newRecord('auth0|carol', key, { name: 'first' });
    expect(await write(first, NOW)).toBe('written');
    const over = later(IDEMPOTENCY_WINDOW_SECONDS);
    const second = newRecord('auth0|carol', key, { name: 'second' }, over);
    expect(await write(second, over)).toBe('written');
    expect(await readIdempotencyRecord(context, first.recordId, over)).toEqual(second);
  });

  it('reads nothing for a missing record, or one whose window is over by now', async () => {
    expect(await readIdempotencyRecord(context, idempotencyRecordId('auth0|nobody', randomUUID()), NOW)).toBeUndefined();
    const record = newRecord('auth0|dave', randomUUID(), { name: 'ci' });
    expect(await write(record, NOW)).toBe('written');
    expect(record.expiresAt).toBe(nowSeconds + IDEMPOTENCY_WINDOW_SECONDS);
    expect(await readIdempotencyRecord(context, record.recordId, later(IDEMPOTENCY_WINDOW_SECONDS - 1))).toEqual(record);
    expect(await readIdempotencyRecord(context, record.recordId, later(IDEMPOTENCY_WINDOW_SECONDS))).toBeUndefined();
    expect(await readIdempotencyRecord(context, record.recordId, later(2 * IDEMPOTENCY_WINDOW_SECONDS))).toBeUndefined();
  });

  it('fails as the store would, never as absent, on an item of the wrong shape', async () => {
    const record = newRecord('auth0|erin', randomUUID(), { name: 'ci' });
    const { recordOwner: _owner, ...ownerless } = toIdempotencyItem(record);
    const broken = [
      { ...toIdempotencyItem(record), sealed: { ...record.sealed, tag: 'short' } },
      { ...toIdempotencyItem(record), fingerprint: 42 },
      ownerless,
      { ...toIdempotencyItem(record), [TABLE.ttlAttribute]: String(record.expiresAt) },
      { ...toIdempotencyItem(record), recordId: idempotencyRecordId('auth0|erin', 'another key') },
    ];
    for (const item of broken) {
      await client.send(new PutCommand({ TableName: tableName, Item: item }));
      const seen = await rejection(readIdempotencyRecord(context, record.recordId, NOW));
      expect(seen.code).toBe('STORE_UNAVAILABLE');
    }
  });
});
