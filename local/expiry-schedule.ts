import type { ScheduledEvent } from 'aws-lambda';
import { describeError, type AppLogger } from '../lambdas/observability/logger';

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface ExpiryScheduleOptions {
  /** One run of the expiry-notices handler (lambdas/handlers/expiry-notices.ts). */
  readonly run: () => Promise<unknown>;
  readonly logger: AppLogger;
  /** Default a day, as the stack's daily rule. */
  readonly intervalMs?: number | undefined;
  /** Run once straight away (default true): `npm start` is seldom up for a whole day. */
  readonly runAtStart?: boolean | undefined;
}

export interface ExpirySchedule {
  /** No further runs; resolves once a run under way has ended, so the table can be closed after it. */
  stop(): Promise<void>;
}

/** What EventBridge's scheduled rule sends; the handler reads only its `time`, for the log. */
export function scheduledEvent(at: Date): ScheduledEvent {
  return {
    version: '0',
    id: `local-${at.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString(),
    region: 'local',
    resources: ['local:expiry-schedule'],
    detail: {},
  };
}

/**
 * The stack's daily rule, under `npm start`: the same handler, at start and then every `intervalMs`. A run is
 * never started while the last is under way (it is skipped instead), and a failed run is logged, never thrown:
 * the next one tries again. The timer does not keep the process alive.
 */
export function startExpirySchedule(options: ExpiryScheduleOptions): ExpirySchedule {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    if (running !== undefined) {
      options.logger.warn('expiry notices: the last run is still going, this one is skipped');
      return;
    }
    // Through a `then`, so even a run that throws at once ends after `running` is set.
    running = Promise.resolve()
      .then(options.run)
      .then(
        () => undefined,
        (error: unknown) => {
          options.logger.error('expiry notices run failed', describeError(error));
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs ?? DAY_MS);
  timer.unref();
  if (options.runAtStart ?? true) tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
