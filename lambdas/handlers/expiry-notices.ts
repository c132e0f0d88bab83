import type { IndexStatus } from '@aws-sdk/client-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import type { ExpiryNotices, ExpiryNoticeSummary } from '../events/expiry-notices';
import { describeError, type AppLogger } from '../observability/logger';

export interface ExpiryNoticesDependencies {
  /** Unset while a table upgrade has not added the expiry index yet (IndexReads.expiry): every run is skipped. */
  readonly expiry?:
    | {
        readonly indexName: string;
        /** DescribeTable: the index's status, undefined when the table lacks it. */
        readonly indexStatus: () => Promise<IndexStatus | undefined>;
        readonly notices: Pick<ExpiryNotices, 'run'>;
      }
    | undefined;
  readonly logger: AppLogger;
}

export type ExpiryNoticesResult =
  | ({ readonly outcome: 'published' } & ExpiryNoticeSummary)
  | { readonly outcome: 'skipped'; readonly reason: 'upgrade-in-progress' | 'index-not-active' };

/** The index the deployed functions read and the table lacks: a broken deploy, not an upgrade under way. */
export class ExpiryIndexMissingError extends Error {
  override readonly name = 'ExpiryIndexMissingError';
}

/**
 * The daily EventBridge schedule's target. The run's window and day come from the injected clock, not from the
 * event's `time`: Lambda's async retries and a redrive from the dead-letter queue deliver the original event
 * hours later, and an operator's manual invoke has no such event at all; each must notice the keys expiring
 * from now on (the event's time is only logged, to tie a run to its schedule).
 *
 * A new global secondary index is created before DynamoDB has backfilled it (CloudFormation does not wait), and
 * until it is ACTIVE every Query of it fails with a ValidationException, "Cannot read from backfilling global
 * secondary index" (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1075). So each
 * run asks DescribeTable once, first, rather than recognise that error by its message (DynamoDB gives it no code
 * of its own, and the message is not a contract): a run before the backfill ends logs a warning and skips. An
 * index missing altogether is thrown, so the function's error alarm and dead-letter queue report it.
 */
export const createExpiryNoticesHandler =
  (deps: ExpiryNoticesDependencies) =>
  async (event: ScheduledEvent): Promise<ExpiryNoticesResult> => {
    // An operator's manual invoke may send `{}` or nothing.
    const scheduledAt = (event as Partial<ScheduledEvent> | null | undefined)?.time;
    const { expiry, logger } = deps;
    if (expiry === undefined) {
      logger.warn('expiry notices skipped: a table upgrade has not added the expiry index yet', { scheduledAt });
      return { outcome: 'skipped', reason: 'upgrade-in-progress' };
    }
    try {
      const status = await expiry.indexStatus();
      if (status === undefined) throw new ExpiryIndexMissingError(`The table has no index ${expiry.indexName}`);
      if (status !== 'ACTIVE') {
        logger.warn('expiry notices skipped: the expiry index is not ACTIVE yet (still backfilling, or changing)', {
          index: expiry.indexName,
          status,
          scheduledAt,
        });
        return { outcome: 'skipped', reason: 'index-not-active' };
      }
      const summary = await expiry.notices.run();
      logger.info('expiry notices', { ...summary, scheduledAt });
      return { outcome: 'published', ...summary };
    } catch (error) {
      logger.error('expiry notices failed', { ...describeError(error), scheduledAt });
      throw error;
    }
  };
