import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Caller } from '../../lambdas/domain/audit-event';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { KeyService } from '../../lambdas/domain/key-service';
import { OwnerKeys } from '../../lambdas/domain/owner-keys';
import { OwnerLifecycle } from '../../lambdas/domain/owner-lifecycle';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { TABLE } from '../../lambdas/store/table-schema';
import { LOCAL_REGION } from '../../local/dynamodb-credentials';
import { toLambdaRecord } from '../../local/lifecycle-stream';
import { freshTable, testDynamoDb } from '../support/dynamodb';
import { testKeyPolicy } from '../support/key-policy';

/**
 * The stream records the unit tests read (test/fixtures/dynamodb-stream/dynamodb-local-key-changes.json) are
 * DynamoDB Local's, for items the real store wrote: GetRecords' JSON as the service sends it, with the
 * stream's ARN on each record as Lambda adds it. Run with CAPTURE_STREAM_FIXTURES=1 to write them anew;
 * otherwise a fresh capture must have the committed file's shape, so the fixture cannot drift from what the
 * store and DynamoDB Local do.
 */
const FIXTURE = join(__dirname, '../fixtures/dynamodb-stream/dynamodb-local-key-changes.json');
/** Distinct, so the unit tests can look for them in what is published (and never find them). */
const FIXTURE_SOURCE_IP = '203.0.113.7';
const FIXTURE_USER_AGENT = 'fixture-agent/1.0 (stream capture)';

describe('DynamoDB Local stream records of real key changes', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let streams: DynamoDBStreamsClient;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable());
    const { endpoint, credentials } = testDynamoDb();
    streams = new DynamoDBStreamsClient({ endpoint, region: LOCAL_REGION, credentials });
  });
  afterAll(() => {
    client.destroy();
    streams.destroy();
  });

  it('are what the committed fixture holds, and what the local stream hands the handler', async () => {
    await makeKeyChanges(client, tableName);
    const streamArn = (await streams.send(new ListStreamsCommand({ TableName: tableName }))).Streams?.[0]?.StreamArn ?? '';
    const raw = await readStream(streams, streamArn, async (iterator) => {
      const page = await rawGetRecords(iterator);
      return { records: page.Records.map((record) => asLambdaSees(record, streamArn)), next: page.NextShardIterator };
    });
    const viaSdk = await readStream(streams, streamArn, async (iterator) => {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      return { records: (page.Records ?? []).map((record) => toLambdaRecord(record, streamArn)), next: page.NextShardIterator };
    });
    // The local stream's conversion (local/lifecycle-stream.ts) gives back exactly the service's JSON.
    expect(viaSdk).toEqual(raw);

    if (process.env.CAPTURE_STREAM_FIXTURES === '1') writeFileSync(FIXTURE, `${JSON.stringify({ Records: raw }, null, 2)}\n`);
    const committed = JSON.parse(readFileSync(FIXTURE, 'utf8')) as DynamoDBStreamEvent;
    expect(shapes(committed.Records)).toEqual(shapes(raw));
  });
});

/** A key's life through the service and Auth0's deletion of its owner, then one audit item removed as TTL would. */
async function makeKeyChanges(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  const store = new DynamoKeyStore({ client, tableName });
  const policy = testKeyPolicy();
  const service = new KeyService({ store, format: new KeyFormat('uak'), policy });
  const owner = 'auth0|stream-fixture';
  const caller: Caller = { sub: owner, sourceIp: FIXTURE_SOURCE_IP, userAgent: FIXTURE_USER_AGENT, tokenIssuedAtMs: Date.now() - 60_000 };

  const { outcome: first } = await service.createOnce(caller, { name: 'laptop', scopes: ['read'] }, randomUUID());
  await service.update(caller, first.id, { name: 'work laptop' });
  await service.update(caller, first.id, { enabled: false });
  await service.update(caller, first.id, { enabled: true });
  const rotated = await service.rotate(caller, first.id, { gracePeriodSeconds: 3600 });
  await service.revoke(caller, rotated.id);
  await service.create(caller, { name: 'ci', scopes: ['read'] });
  await new OwnerLifecycle(store, new OwnerKeys({ store, policy })).apply({
    change: 'deleted',
    sub: owner,
    eventId: '90020240101000000000000000000000000000000000000000',
    occurredAt: new Date().toISOString(),
    actor: 'auth0:user.deleted',
    source: 'log:sdu',
  });
  // The first key's oldest audit item, deleted as its TTL would delete it (a REMOVE record).
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: TABLE.eventIndex.name,
      KeyConditionExpression: '#k = :k',
      ExpressionAttributeNames: { '#k': TABLE.eventIndex.partitionKey },
      ExpressionAttributeValues: { ':k': first.id },
      Limit: 1,
    }),
  );
  await client.send(new DeleteCommand({ TableName: tableName, Key: { [TABLE.partitionKey]: Items?.[0]?.[TABLE.partitionKey] as string } }));
}

interface Page {
  readonly records: DynamoDBRecord[];
  readonly next: string | undefined;
}

/** Every record of every shard, from the start, through `getRecords`. */
async function readStream(streams: DynamoDBStreamsClient, streamArn: string, getRecords: (iterator: string) => Promise<Page>) {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator !== undefined) {
      const page = await getRecords(iterator);
      records.push(...page.records);
      // An open shard always has a next iterator: it is read to its end when a page comes back empty.
      iterator = page.records.length === 0 ? undefined : page.next;
    }
  }
  return records;
}

/**
 * GetRecords' response body itself. DynamoDB Local checks no signature, only the access key id and region
 * in the credential scope, which choose its database.
 */
async function rawGetRecords(iterator: string): Promise<{ Records: DynamoDBRecord[]; NextShardIterator?: string }> {
  const { endpoint, credentials } = testDynamoDb();
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDBStreams_20120810.GetRecords',
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${LOCAL_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ ShardIterator: iterator }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { Records: DynamoDBRecord[]; NextShardIterator?: string };
}

/**
 * The record as Lambda would deliver it: with the stream's ARN, and an empty map as DynamoDB writes it,
 * `{"M":{}}` (DynamoDB Local writes `{}`, an attribute value of no type).
 */
function asLambdaSees(record: DynamoDBRecord, streamArn: string): DynamoDBRecord {
  const repaired = JSON.parse(JSON.stringify(record), (_key, value: unknown) =>
    isEmptyValueIn(value)
      ? Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, isEmpty(inner) ? { M: {} } : inner]))
      : value,
  ) as DynamoDBRecord;
  return { ...repaired, eventSourceARN: streamArn };
}
const isEmpty = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
/** An image or a map's members: an object whose values are attribute values. */
const isEmptyValueIn = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).some(isEmpty);

/** What does not change between captures: each record's kind of change and item, its fields and its attributes' names and types. */
function shapes(records: readonly DynamoDBRecord[]): string[] {
  const typed = (image: Record<string, object> | undefined) =>
    Object.entries(image ?? {})
      .map(([name, value]) => `${name}:${Object.keys(value).join('')}`)
      .sort()
      .join(',');
  return records
    .map((record) => {
      const pk = record.dynamodb?.Keys?.[TABLE.partitionKey]?.S ?? '';
      const kind = pk.includes('#') ? pk.slice(0, pk.indexOf('#')) : 'key';
      const fields = [...Object.keys(record), ...Object.keys(record.dynamodb ?? {}).map((name) => `dynamodb.${name}`)].sort().join(',');
      return `${record.eventName ?? ''} ${kind} [${fields}] {${typed(record.dynamodb?.NewImage)}}`;
    })
    .sort();
}
