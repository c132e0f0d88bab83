import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record,
  type AttributeValue as StreamsAttributeValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createLogger, describeError, type AppLogger } from '../lambdas/observability/logger';
import { sdkClientConfig } from '../lambdas/runtime/call-timeouts';
import { LOCAL_DYNAMODB_TIMEOUTS } from '../lambdas/runtime/clients';
import { LOCAL_REGION, type DynamoDbCredentials } from './dynamodb-credentials';

/**
 * Under `npm start`, Lambda's event source mapping for the table's stream (lib/lifecycle-events.ts): it polls
 * DynamoDB Local's stream (DescribeStream, GetShardIterator, GetRecords, following NextShardIterator and child
 * shards) and hands each batch to the very handler Lambda runs, in Lambda's record shape. A batch the handler
 * fails, in part (`batchItemFailures`) or whole (it throws), is offered again from the lowest failed record,
 * as Lambda does (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html), with a
 * growing pause, until `maxRetryAttempts`; then it is dropped with an error, as Lambda sends it to its
 * dead-letter queue. Polling errors are logged and retried the same way.
 */
export interface LifecycleStreamOptions {
  readonly endpoint: string;
  readonly credentials: DynamoDbCredentials;
  readonly region?: string | undefined;
  readonly tableName: string;
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  readonly logger?: AppLogger | undefined;
  /**
   * Where reading starts in the shards open now (a shard that appears later is read from its start):
   * `LATEST` (the default) only changes made from now on, so a restart of `npm start` does not publish the
   * last day's events again; `TRIM_HORIZON` everything the stream still holds, for a table just made.
   */
  readonly startingPosition?: 'LATEST' | 'TRIM_HORIZON' | undefined;
  /** The pause between polls that found nothing: Lambda polls a shard four times a second. */
  readonly pollIntervalMs?: number | undefined;
  /** Records per batch, at most (Lambda's default). */
  readonly batchSize?: number | undefined;
  /** Retries of a failed batch before it is dropped. */
  readonly maxRetryAttempts?: number | undefined;
}

export interface LifecycleStream {
  /** Resolves once a poll that began after the call found nothing new and no batch awaits a retry. */
  drain(): Promise<void>;
  /** Stops polling and closes the client; the batch being handled, if any, is finished first. */
  stop(): Promise<void>;
}

const MAX_PAUSE_MS = 5000;
/** New shards are looked for this often (DynamoDB closes each shard after hours; a closed one is looked past at once). */
const DESCRIBE_EVERY_MS = 10_000;

type Position = { readonly type: 'LATEST' | 'TRIM_HORIZON' } | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  /** Where a new iterator starts: the initial position, then after the last record read. */
  position: Position;
  iterator: string | undefined;
  /** No NextShardIterator: every record of the (closed) shard has been read. */
  ended: boolean;
  retry: { records: DynamoDBRecord[]; attempts: number; notBefore: number } | undefined;
}

/** Starts reading the table's stream; rejects if the table has none (one made before the stream existed). */
export async function startLifecycleStream(options: LifecycleStreamOptions): Promise<LifecycleStream> {
  const poller = new StreamPoller(options);
  try {
    await poller.start();
  } catch (error) {
    await poller.stop();
    throw error;
  }
  return { drain: () => poller.drain(), stop: () => poller.stop() };
}

class StreamPoller {
  private readonly client: DynamoDBStreamsClient;
  private readonly logger: AppLogger;
  private readonly pollIntervalMs: number;
  private readonly maxRetryAttempts: number;
  private readonly abort = new AbortController();
  /** Every shard seen, the finished ones too: DescribeStream lists a closed shard for a day, and it is read once. */
  private readonly shards = new Map<string, ShardState>();
  private streamArn = '';
  private describedAt = 0;
  private errors = 0;
  private rounds = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private drains: { after: number; resolve: () => void }[] = [];

  constructor(private readonly options: LifecycleStreamOptions) {
    this.client = new DynamoDBStreamsClient({
      ...sdkClientConfig(LOCAL_DYNAMODB_TIMEOUTS),
      endpoint: options.endpoint,
      region: options.region ?? LOCAL_REGION,
      credentials: { ...options.credentials },
    });
    this.logger = options.logger ?? createLogger('lifecycle-stream');
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxRetryAttempts = options.maxRetryAttempts ?? 10;
  }

  /** Aborted by stop(), so no request outlives it. */
  private get call() {
    return { abortSignal: this.abort.signal };
  }

  async start(): Promise<void> {
    const { Streams } = await this.client.send(new ListStreamsCommand({ TableName: this.options.tableName }), this.call);
    // Stream labels are creation times: the newest is the table's current stream.
    const latest = [...(Streams ?? [])].sort((a, b) => (a.StreamLabel ?? '').localeCompare(b.StreamLabel ?? '')).pop();
    if (latest?.StreamArn === undefined) throw new Error(`Table ${this.options.tableName} has no stream`);
    this.streamArn = latest.StreamArn;
    const initial = this.options.startingPosition ?? 'LATEST';
    for (const shard of await this.describe()) {
      // With LATEST, a shard closed before now holds only the past.
      this.track(shard, { type: initial }, initial === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber !== undefined);
    }
    // LATEST means now: the iterators are taken before the caller's next write.
    for (const shard of this.shards.values()) if (!shard.ended) await this.ensureIterator(shard);
    this.loop = this.run();
  }

  drain(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.drains.push({ after: this.rounds, resolve });
      this.wake?.();
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.abort.abort();
      this.wake?.();
      await this.loop;
      this.client.destroy();
      for (const waiter of this.drains.splice(0)) waiter.resolve();
    })();
    return this.stopping;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const round = ++this.rounds;
      let outcome: PollOutcome;
      try {
        outcome = await this.poll();
        this.errors = 0;
      } catch (error) {
        if (this.abort.signal.aborted) break; // stop() cut a request short
        this.errors += 1;
        this.logger.warn('lifecycle stream: polling failed, retrying', { ...describeError(error), attempt: this.errors });
        outcome = { worked: false, retryAt: Date.now() + backoffMs(this.pollIntervalMs, this.errors) };
      }
      if (!outcome.worked && outcome.retryAt === undefined) {
        // Caught up: the drains asked for before this round began are answered.
        const answered = this.drains.filter((waiter) => waiter.after < round);
        this.drains = this.drains.filter((waiter) => waiter.after >= round);
        for (const waiter of answered) waiter.resolve();
      }
      const waitMs = outcome.worked ? 0 : Math.min(this.pollIntervalMs, Math.max(0, (outcome.retryAt ?? Infinity) - Date.now()));
      await this.pause(this.errors > 0 ? backoffMs(this.pollIntervalMs, this.errors) : waitMs);
    }
  }

  /** One poll of every shard that can be read now. */
  private async poll(): Promise<PollOutcome> {
    if (Date.now() - this.describedAt > DESCRIBE_EVERY_MS) {
      for (const shard of await this.describe())
        if (!this.shards.has(shard.ShardId ?? '')) this.track(shard, { type: 'TRIM_HORIZON' }, false);
    }
    let worked = false;
    let retryAt: number | undefined;
    for (const shard of this.shards.values()) {
      if (this.stopped) break;
      if (!this.readable(shard)) continue;
      if (shard.retry !== undefined && Date.now() < shard.retry.notBefore) {
        retryAt = Math.min(retryAt ?? Infinity, shard.retry.notBefore);
        continue;
      }
      const records = shard.retry?.records ?? (await this.read(shard));
      if (records.length === 0) continue;
      worked = true;
      await this.handle(shard, records);
      if (shard.retry !== undefined) retryAt = Math.min(retryAt ?? Infinity, shard.retry.notBefore);
    }
    return { worked, retryAt };
  }

  private async read(shard: ShardState): Promise<DynamoDBRecord[]> {
    await this.ensureIterator(shard);
    let result;
    try {
      result = await this.client.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.options.batchSize ?? 100 }),
        this.call,
      );
    } catch (error) {
      shard.iterator = undefined; // expired or refused: a new one, from the last record read
      throw error;
    }
    shard.iterator = result.NextShardIterator;
    if (shard.iterator === undefined) {
      // Closed and read to its end: its children are due.
      shard.ended = true;
      this.describedAt = 0;
    }
    const records = (result.Records ?? []).map((record) => toLambdaRecord(record, this.streamArn));
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last !== undefined) shard.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
    return records;
  }

  /** The handler's verdict on a batch, as Lambda reads it. */
  private async handle(shard: ShardState, records: DynamoDBRecord[]): Promise<void> {
    let failedFrom: number;
    try {
      const failures = (await this.options.handler({ Records: records })).batchItemFailures;
      if (failures.length === 0) {
        shard.retry = undefined;
        return;
      }
      const reported = new Set(failures.map((failure) => failure.itemIdentifier));
      // The lowest reported: the records are in stream order.
      failedFrom = records.findIndex((record) => reported.has(record.dynamodb?.SequenceNumber ?? ''));
      // An identifier that names no record of the batch is, for Lambda, the whole batch failing.
      if (failedFrom < 0) failedFrom = 0;
    } catch (error) {
      this.logger.warn('lifecycle stream: the handler failed; the batch is retried', describeError(error));
      failedFrom = 0;
    }
    const remaining = records.slice(failedFrom);
    const attempts = (shard.retry?.attempts ?? 0) + 1;
    if (attempts > this.maxRetryAttempts) {
      this.logger.error('lifecycle stream: records dropped after every retry failed', {
        shardId: shard.shardId,
        records: remaining.length,
        firstSequenceNumber: remaining[0]?.dynamodb?.SequenceNumber,
        lastSequenceNumber: remaining.at(-1)?.dynamodb?.SequenceNumber,
      });
      shard.retry = undefined;
      return;
    }
    shard.retry = { records: remaining, attempts, notBefore: Date.now() + backoffMs(this.pollIntervalMs, attempts) };
  }

  private async describe(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ...(start !== undefined ? { ExclusiveStartShardId: start } : {}) }),
        this.call,
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    this.describedAt = Date.now();
    return shards;
  }

  private track(shard: Shard, position: Position, ended: boolean): void {
    if (shard.ShardId === undefined) return;
    this.shards.set(shard.ShardId, {
      shardId: shard.ShardId,
      parentShardId: shard.ParentShardId,
      position,
      iterator: undefined,
      ended,
      retry: undefined,
    });
  }

  private async ensureIterator(shard: ShardState): Promise<void> {
    if (shard.iterator !== undefined) return;
    const { position } = shard;
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shard.shardId,
        ShardIteratorType: position.type,
        ...(position.type === 'AFTER_SEQUENCE_NUMBER' ? { SequenceNumber: position.sequenceNumber } : {}),
      }),
      this.call,
    );
    shard.iterator = ShardIterator;
  }

  /** A child shard is read once its parent is, so a key's changes stay in order. */
  private readable(shard: ShardState): boolean {
    if (this.done(shard)) return false;
    const parent = shard.parentShardId === undefined ? undefined : this.shards.get(shard.parentShardId);
    return parent === undefined || this.done(parent);
  }

  private done(shard: ShardState): boolean {
    return shard.ended && shard.retry === undefined;
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** `worked`: records were handled (poll again at once); `retryAt`: when the earliest batch awaiting a retry is due. */
interface PollOutcome {
  readonly worked: boolean;
  readonly retryAt: number | undefined;
}

const backoffMs = (base: number, attempt: number): number => Math.min(MAX_PAUSE_MS, base * 2 ** attempt);

/**
 * A record from the streams API as Lambda delivers it: its time in epoch seconds (the SDK made it a Date), the
 * stream's ARN on it, attribute values in DynamoDB JSON (binary as base64) and the identity's fields in
 * Lambda's case (`userIdentity.type`, TTL deletions: `Service`, `dynamodb.amazonaws.com`).
 */
export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb;
  const time = stream?.ApproximateCreationDateTime;
  const identity = record.userIdentity;
  return {
    ...(record.eventID !== undefined ? { eventID: record.eventID } : {}),
    ...(record.eventName !== undefined ? { eventName: record.eventName } : {}),
    ...(record.eventVersion !== undefined ? { eventVersion: record.eventVersion } : {}),
    ...(record.eventSource !== undefined ? { eventSource: record.eventSource } : {}),
    ...(record.awsRegion !== undefined ? { awsRegion: record.awsRegion } : {}),
    dynamodb: {
      ...(time !== undefined ? { ApproximateCreationDateTime: time.getTime() / 1000 } : {}),
      ...(stream?.Keys !== undefined ? { Keys: toLambdaImage(stream.Keys) } : {}),
      ...(stream?.NewImage !== undefined ? { NewImage: toLambdaImage(stream.NewImage) } : {}),
      ...(stream?.OldImage !== undefined ? { OldImage: toLambdaImage(stream.OldImage) } : {}),
      ...(stream?.SequenceNumber !== undefined ? { SequenceNumber: stream.SequenceNumber } : {}),
      ...(stream?.SizeBytes !== undefined ? { SizeBytes: stream.SizeBytes } : {}),
      ...(stream?.StreamViewType !== undefined ? { StreamViewType: stream.StreamViewType } : {}),
    },
    eventSourceARN: streamArn,
    ...(identity !== undefined ? { userIdentity: { type: identity.Type, principalId: identity.PrincipalId } } : {}),
  };
}

const toLambdaImage = (image: Record<string, StreamsAttributeValue>): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function toLambdaValue(value: StreamsAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  // DynamoDB Local sends an empty map as `{}`, where DynamoDB sends `{"M":{}}`.
  return { M: {} };
}
