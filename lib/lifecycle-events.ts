import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ComparisonOperator, type Alarm, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_ITEM_PREFIX, TABLE } from '../lambdas/store/table-schema';
import type { HouseFunction } from './house-function';
import { firstBadDatapointAlarm, type AlarmThreshold } from './key-alarms';
import { createKeyFunction } from './key-functions';

/** Records per invocation: at most ten PutEvents calls of ten entries each, well inside the timeout below. */
export const LIFECYCLE_BATCH_SIZE = 100;
/** How long Lambda gathers records before invoking: events reach the bus within about this much of their change. */
export const LIFECYCLE_BATCHING_WINDOW = Duration.seconds(1);
/**
 * A batch the function cannot publish (EventBridge throttled or down) is retried, and the shard waits behind it
 * in order. After this long the records' metadata go to the dead-letter queue, which alarms: the stream keeps the
 * records themselves for 24 hours, time enough to re-read them (README, *Lifecycle events*).
 */
export const LIFECYCLE_MAX_RECORD_AGE = Duration.hours(6);
/** Up to this many retries of one batch within that age (bisected on errors, so one bad record is isolated). */
export const LIFECYCLE_RETRY_ATTEMPTS = 1000;
/** The stream's oldest unpublished record older than this is an alarm: events are late (IteratorAge, Maximum). */
export const LIFECYCLE_ITERATOR_AGE_ALARM = Duration.minutes(5);

/** When the daily expiry notice runs (UTC): early in Europe's morning, late evening in the Americas. */
export const EXPIRY_NOTICE_SCHEDULE = Schedule.cron({ minute: '0', hour: '7' });
/** The notice reads a week or so of index partitions and publishes in batches of ten: minutes are plenty. */
export const EXPIRY_NOTICE_TIMEOUT = Duration.minutes(5);

const DEAD_LETTER_RETENTION = Duration.days(14);

export interface LifecycleEventsProps {
  /** The key table, with its stream on (lib/key-table.ts). */
  readonly table: Table;
  readonly tableKey?: IKey | undefined;
  readonly logRetentionDays: number;
  /** The `sourceMaps` setting (lib/bundling.ts). */
  readonly sourceMaps?: boolean | undefined;
  /** The `events` component's environment (TABLE_NAME, EVENT_BUS_NAME, EXPIRY_NOTICE_DAYS, TABLE_UPGRADE_STEP). */
  readonly environment: Record<string, string>;
  /** EVENT_BUS_NAME: a name or an ARN; unset, the account's default bus. */
  readonly eventBusName?: string | undefined;
  readonly alarmTopic?: ITopic | undefined;
}

/**
 * Every key change on EventBridge, and the daily notice of keys about to expire:
 *
 * - the table's stream → the lifecycle-events function, filtered to new audit event items, which puts one
 *   `Key <type>` event per change on the bus (lambdas/handlers/lifecycle-events.ts). The events are written in
 *   the same transaction as their change, so the stream makes delivery certain without a second write on the
 *   request path. Partial batch failures let the function say which record to resume from.
 * - a daily rule → the expiry-notices function, which reads the expiry index and puts one `Key expiring` event
 *   per active key that expires within EXPIRY_NOTICE_DAYS (lambdas/handlers/expiry-notices.ts).
 *
 * What cannot be delivered lands in a dead-letter queue of its own, which alarms; so do both functions' errors
 * and a stream falling behind.
 */
export class LifecycleEvents extends Construct {
  readonly eventBus: IEventBus;
  readonly streamFunction: HouseFunction;
  readonly streamDeadLetterQueue: Queue;
  readonly expiryFunction: HouseFunction;
  readonly expiryRule: Rule;
  readonly expiryDeadLetterQueue: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: LifecycleEventsProps) {
    super(scope, id);
    const name = props.eventBusName;
    this.eventBus =
      name === undefined
        ? EventBus.fromEventBusName(this, 'Bus', 'default')
        : name.startsWith('arn:')
          ? EventBus.fromEventBusArn(this, 'Bus', name)
          : EventBus.fromEventBusName(this, 'Bus', name);
    const functionOptions = {
      table: props.table,
      tableKey: props.tableKey,
      logRetentionDays: props.logRetentionDays,
      sourceMaps: props.sourceMaps,
    };

    this.streamDeadLetterQueue = this.deadLetterQueue('StreamDeadLetterQueue');
    this.streamFunction = createKeyFunction(this, 'lifecycleEvents', {
      ...functionOptions,
      environment: props.environment,
      timeout: Duration.minutes(1),
    });
    this.streamFunction.addEventSource(
      // A Table is an ITable; aws-cdk-lib's own types disagree under exactOptionalPropertyTypes (tableStreamArn?: string).
      new DynamoEventSource(props.table as ITable, {
        // From the stream's start: it is made with this function's mapping, so nothing older exists to replay.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: LIFECYCLE_BATCH_SIZE,
        maxBatchingWindow: LIFECYCLE_BATCHING_WINDOW,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: LIFECYCLE_RETRY_ATTEMPTS,
        maxRecordAge: LIFECYCLE_MAX_RECORD_AGE,
        onFailure: new SqsDlq(this.streamDeadLetterQueue),
        // Only new audit event items: key, owner and idempotency items, and TTL deletions (no NewImage), never invoke
        // it. Within `dynamodb` alone, which is all a DynamoDB mapping filters on
        // (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html); event items are only ever inserted.
        filters: [
          FilterCriteria.filter({
            dynamodb: {
              Keys: { [TABLE.partitionKey]: { S: FilterRule.beginsWith(EVENT_ITEM_PREFIX) } },
              NewImage: { [TABLE.eventIndex.partitionKey]: { S: FilterRule.exists() } },
            },
          }),
        ],
      }),
    );
    this.eventBus.grantPutEventsTo(this.streamFunction);

    this.expiryDeadLetterQueue = this.deadLetterQueue('ExpiryDeadLetterQueue');
    this.expiryFunction = createKeyFunction(this, 'expiryNotices', {
      ...functionOptions,
      environment: props.environment,
      timeout: EXPIRY_NOTICE_TIMEOUT,
      deadLetterQueue: this.expiryDeadLetterQueue,
    });
    // Lambda's asynchronous retries (two, a minute and two apart), then the dead-letter queue.
    this.expiryFunction.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6) });
    this.eventBus.grantPutEventsTo(this.expiryFunction);
    this.expiryRule = new Rule(this, 'ExpirySchedule', {
      description: 'Daily: a Key expiring event for each active key that expires soon',
      schedule: EXPIRY_NOTICE_SCHEDULE,
    });
    this.expiryRule.addTarget(
      new LambdaFunction(this.expiryFunction, {
        deadLetterQueue: this.expiryDeadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(6),
      }),
    );

    const period = Duration.minutes(5);
    const anyMessage: AlarmThreshold = { threshold: 0, comparison: ComparisonOperator.GREATER_THAN_THRESHOLD };
    const anyError: AlarmThreshold = { threshold: 1, comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD };
    this.alarm(
      'StreamDeadLetters',
      this.streamDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      `Key changes were not published to EventBridge for ${LIFECYCLE_MAX_RECORD_AGE.toHours()} hours: each message names a shard and the sequence numbers of the batch, whose records the table's stream keeps for 24 hours (README, "Lifecycle events", says how to re-read them)`,
      anyMessage,
    );
    this.alarm(
      'StreamFunctionErrors',
      this.streamFunction.metricErrors({ period }),
      'The lifecycle-events function failed on a batch of key changes (retried in order; events are late)',
      anyError,
    );
    this.alarm(
      'StreamIteratorAge',
      this.streamFunction.metric('IteratorAge', { period, statistic: 'Maximum' }),
      `Key change events are more than ${LIFECYCLE_ITERATOR_AGE_ALARM.toMinutes()} minutes late: the lifecycle-events function is failing or throttled`,
      { threshold: LIFECYCLE_ITERATOR_AGE_ALARM.toMilliseconds(), comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    this.alarm(
      'ExpiryDeadLetters',
      this.expiryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      "The daily expiry notice did not run (or failed three times): owners were not told of keys expiring soon. Fix the cause, then invoke the expiry-notices function once (it notices today's window again)",
      anyMessage,
    );
    this.alarm(
      'ExpiryFunctionErrors',
      this.expiryFunction.metricErrors({ period }),
      'The daily expiry notice failed (Lambda retries it twice)',
      anyError,
    );
    if (props.alarmTopic !== undefined) {
      const action = new SnsAction(props.alarmTopic);
      for (const created of this.alarms) created.addAlarmAction(action);
    }
  }

  private deadLetterQueue(id: string): Queue {
    return new Queue(this, id, {
      // SQS-managed keys: Lambda and EventBridge can send without a key policy naming them.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  private alarm(id: string, metric: IMetric, description: string, options: AlarmThreshold): void {
    this.alarms.push(firstBadDatapointAlarm(this, id, metric, description, options));
  }
}
