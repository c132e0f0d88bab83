import type { AppLogger } from '../../../lambdas/observability/logger';
import { DAY_MS, scheduledEvent, startExpirySchedule, type ExpirySchedule } from '../../../local/expiry-schedule';

type FakeLogger = { [K in keyof AppLogger]: jest.Mock };
const fakeLogger = (): FakeLogger => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() });

/** A run that ends only when the test says so. */
function gatedRun() {
  const gates: (() => void)[] = [];
  const run = jest.fn(
    () =>
      new Promise<void>((resolve) => {
        gates.push(resolve);
      }),
  );
  return { run, release: () => gates.shift()?.() };
}

describe('the local expiry schedule', () => {
  let schedule: ExpirySchedule | undefined;
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(async () => {
    await schedule?.stop();
    schedule = undefined;
    jest.useRealTimers();
  });

  it('runs at start and then once a day', async () => {
    const run = jest.fn(() => Promise.resolve());
    schedule = startExpirySchedule({ run, logger: fakeLogger() });
    await jest.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(DAY_MS - 1);
    expect(run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(DAY_MS);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('waits for the first interval when told not to run at start', async () => {
    const run = jest.fn(() => Promise.resolve());
    schedule = startExpirySchedule({ run, logger: fakeLogger(), intervalMs: 1000, runAtStart: false });
    await jest.advanceTimersByTimeAsync(999);
    expect(run).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('never overlaps runs: a tick during a run is skipped, with a warning', async () => {
    const { run, release } = gatedRun();
    const logger = fakeLogger();
    schedule = startExpirySchedule({ run, logger, intervalMs: 1000 });
    await jest.advanceTimersByTimeAsync(2500);
    expect(run).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    release();
    await jest.advanceTimersByTimeAsync(500);
    expect(run).toHaveBeenCalledTimes(2);
    release();
  });

  it('logs a failed run, throws nothing, and runs again next time', async () => {
    const run = jest.fn(() => Promise.reject(new Error('DynamoDB Local is gone')));
    const logger = fakeLogger();
    schedule = startExpirySchedule({ run, logger, intervalMs: 1000 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith(
      'expiry notices run failed',
      expect.objectContaining({ errorMessage: 'DynamoDB Local is gone' }),
    );
  });

  it('survives a run that throws before it returns a promise', async () => {
    const run = jest.fn((): Promise<void> => {
      throw new Error('at once');
    });
    const logger = fakeLogger();
    schedule = startExpirySchedule({ run, logger, intervalMs: 1000 });
    await jest.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('does not keep the process alive', () => {
    const unref = jest.spyOn(global, 'setInterval');
    schedule = startExpirySchedule({ run: () => Promise.resolve(), logger: fakeLogger(), runAtStart: false });
    const timer = unref.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    unref.mockRestore();
  });

  it('stops: no run after, and stop waits for the run under way', async () => {
    const { run, release } = gatedRun();
    schedule = startExpirySchedule({ run, logger: fakeLogger(), intervalMs: 1000 });
    let stopped = false;
    const stopping = schedule.stop().then(() => {
      stopped = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    await jest.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('makes the event EventBridge sends', () => {
    expect(scheduledEvent(new Date('2026-03-10T07:00:00.000Z'))).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-03-10T07:00:00.000Z',
    });
  });
});
