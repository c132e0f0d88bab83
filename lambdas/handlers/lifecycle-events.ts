import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_WORST_CASE_MS } from '../events/eventbridge-publisher';
import type { LifecycleEvent, LifecyclePublisher } from '../events/lifecycle-event';
import { readStreamRecord } from '../events/stream-records';
import { describeError, type AppLogger } from '../observability/logger';

export interface LifecycleEventsDependencies {
  readonly publisher: LifecyclePublisher;
  readonly logger: AppLogger;
}

/** Kept back from the function's timeout beyond one publish call's worst case, for the answer itself. */
const DEADLINE_MARGIN_MS = 1000;

interface Pending {
  readonly record: DynamoDBRecord;
  readonly event: LifecycleEvent;
}

/**
 * The table stream's target (lib/lifecycle-events.ts): publishes the batch's audit events in stream order, ten
 * at a time (one PutEvents call). At the first event not taken, refused or lost to a fault, it stops and answers
 * that record's sequence number as the batch's failure: Lambda retries from the lowest one reported
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html), so nothing after it
 * is published now, to be published again then. It stops the same way when the next call might outlast the
 * invocation, rather than time out and have the whole batch retried. Records that are no event are done with.
 *
 * Stream order is per item (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html) and
 * each audit event is an item of its own, so a key's events can come from different shards, and delivery is at
 * least once: consumers order by `at` and dedupe by `eventId`.
 */
export const createLifecycleEventsHandler =
  (deps: LifecycleEventsDependencies) =>
  async (event: DynamoDBStreamEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DynamoDBBatchResponse> => {
    const records = event.Records;
    const { pending, skipped } = readBatch(records, deps.logger);
    const published: Record<string, number> = {};
    const summary = () => ({ records: records.length, published, skipped });
    for (let start = 0; start < pending.length; start += PUT_EVENTS_MAX_ENTRIES) {
      if (context !== undefined && context.getRemainingTimeInMillis() < PUT_EVENTS_WORST_CASE_MS + DEADLINE_MARGIN_MS) {
        return retryFrom(pending, start, 'deadline', summary(), deps.logger);
      }
      const slice = pending.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      let failed: readonly number[];
      try {
        ({ failed } = await deps.publisher.publish(slice.map((item) => item.event)));
      } catch (error) {
        deps.logger.error('publishing lifecycle events failed', describeError(error));
        return retryFrom(pending, start, 'fault', summary(), deps.logger);
      }
      slice.forEach((item, index) => {
        if (!failed.includes(index)) published[item.event.detail.type] = (published[item.event.detail.type] ?? 0) + 1;
      });
      if (failed.length > 0) return retryFrom(pending, start + Math.min(...failed), 'refused', summary(), deps.logger);
    }
    deps.logger.info('lifecycle events', summary());
    return { batchItemFailures: [] };
  };

/** The batch's audit events, in order, and how many records of each other kind it held (a malformed one warned of). */
function readBatch(records: readonly DynamoDBRecord[], logger: AppLogger): { pending: Pending[]; skipped: Record<string, number> } {
  const pending: Pending[] = [];
  const skipped: Record<string, number> = {};
  for (const record of records) {
    const reading = readStreamRecord(record);
    if (reading.kind === 'event') {
      pending.push({ record, event: reading.event });
      continue;
    }
    const reason = reading.kind === 'malformed' ? `malformed:${reading.problem}` : reading.reason;
    skipped[reason] = (skipped[reason] ?? 0) + 1;
    if (reading.kind === 'malformed') {
      logger.warn('stream record skipped: an audit event item that cannot be read', {
        problem: reading.problem,
        sequenceNumber: record.dynamodb?.SequenceNumber,
      });
    }
  }
  return { pending, skipped };
}

function retryFrom(
  pending: readonly Pending[],
  position: number,
  cause: string,
  summary: Record<string, unknown>,
  logger: AppLogger,
): DynamoDBBatchResponse {
  const sequenceNumber = pending[position]?.record.dynamodb?.SequenceNumber;
  logger.warn('lifecycle events: the batch is retried from a record', { ...summary, cause, retryFrom: sequenceNumber });
  // Without a sequence number there is nothing to name: failing the invocation retries the batch whole.
  if (sequenceNumber === undefined) throw new Error('A stream record to retry from has no SequenceNumber');
  return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
}
