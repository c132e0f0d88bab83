import type { IndexStatus } from '@aws-sdk/client-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import {
  createExpiryNoticesHandler,
  ExpiryIndexMissingError,
  type ExpiryNoticesDependencies,
} from '../../../lambdas/handlers/expiry-notices';
import type { AppLogger } from '../../../lambdas/observability/logger';
import { scheduledEvent } from '../../../local/expiry-schedule';

type FakeLogger = { [K in keyof AppLogger]: jest.Mock };
const fakeLogger = (): FakeLogger => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() });
const EVENT = scheduledEvent(new Date('2026-03-10T07:00:00.000Z'));
const SUMMARY = { days: 7, keys: 2, published: 2 };

function setup(status: IndexStatus | undefined, run: () => Promise<typeof SUMMARY> = () => Promise.resolve(SUMMARY)) {
  const logger = fakeLogger();
  const indexStatus = jest.fn(() => Promise.resolve(status));
  const notices = { run: jest.fn(run) };
  const deps: ExpiryNoticesDependencies = { logger, expiry: { indexName: 'byExpiryDay', indexStatus, notices } };
  return { handler: createExpiryNoticesHandler(deps), logger, indexStatus, notices };
}

describe('the expiry-notices handler', () => {
  it('runs the notice once the index is ACTIVE, asking DescribeTable once, and logs the summary', async () => {
    const { handler, logger, indexStatus, notices } = setup('ACTIVE');
    await expect(handler(EVENT)).resolves.toEqual({ outcome: 'published', ...SUMMARY });
    expect(indexStatus).toHaveBeenCalledTimes(1);
    expect(notices.run).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith('expiry notices', { ...SUMMARY, scheduledAt: EVENT.time });
  });

  it('skips, with a warning, while a table upgrade has not added the index', async () => {
    const logger = fakeLogger();
    const handler = createExpiryNoticesHandler({ logger });
    await expect(handler(EVENT)).resolves.toEqual({ outcome: 'skipped', reason: 'upgrade-in-progress' });
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it.each(['CREATING', 'UPDATING'] as const)('skips, with a warning, while the index is %s (a Query would fail)', async (status) => {
    const { handler, logger, notices } = setup(status);
    await expect(handler(EVENT)).resolves.toEqual({ outcome: 'skipped', reason: 'index-not-active' });
    expect(notices.run).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('not ACTIVE'), expect.objectContaining({ status }));
  });

  it('fails when the table lacks the index altogether: a broken deploy, for the alarm', async () => {
    const { handler, logger, notices } = setup(undefined);
    await expect(handler(EVENT)).rejects.toBeInstanceOf(ExpiryIndexMissingError);
    expect(notices.run).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('rethrows a failed run, so Lambda retries it, after logging it', async () => {
    const { handler, logger } = setup('ACTIVE', () => Promise.reject(new Error('EventBridge refused')));
    await expect(handler(EVENT)).rejects.toThrow('EventBridge refused');
    expect(logger.error).toHaveBeenCalledWith('expiry notices failed', expect.objectContaining({ errorMessage: 'EventBridge refused' }));
  });

  it('runs on a manual invoke with an empty payload', async () => {
    const { handler } = setup('ACTIVE');
    await expect(handler({} as ScheduledEvent)).resolves.toMatchObject({ outcome: 'published' });
    await expect(handler(undefined as unknown as ScheduledEvent)).resolves.toMatchObject({ outcome: 'published' });
  });
});
