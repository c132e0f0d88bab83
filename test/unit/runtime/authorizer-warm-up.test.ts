import { warmUp } from '../../../lambdas/runtime/authorizer-warm-up';
import type { AppLogger } from '../../../lambdas/observability/logger';

function fakeLogger(): { [K in keyof AppLogger]: jest.Mock } {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

describe('the authorizer warm-up (init phase)', () => {
  it('runs the read and the signing once each, and resolves when both are done', async () => {
    const read = jest.fn(() => Promise.resolve(undefined));
    const sign = jest.fn(() => Promise.resolve('jwt'));
    const logger = fakeLogger();
    await warmUp({ read, sign, logger });
    expect([read.mock.calls.length, sign.mock.calls.length]).toEqual([1, 1]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('never rejects: a fault is logged by name only, and the init goes on', async () => {
    const logger = fakeLogger();
    const failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { name: 'TimeoutError' });
    await expect(warmUp({ read: () => Promise.reject(failure), logger })).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      'authorizer warm-up failed; the first request will retry',
      expect.objectContaining({ errorName: 'TimeoutError' }),
    );
  });

  it('gives up waiting after its budget when DynamoDB does not answer', async () => {
    const logger = fakeLogger();
    const started = Date.now();
    await warmUp({ read: () => new Promise(() => undefined), logger, budgetMs: 50 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(logger.warn).toHaveBeenCalledWith('authorizer warm-up still running at the end of its budget', { budgetMs: 50 });
  });
});
