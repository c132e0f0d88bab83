import { DenialLog } from '../../../lambdas/observability/denial-log';
import type { AppLogger } from '../../../lambdas/observability/logger';

function fakeLogger(): { [K in keyof AppLogger]: jest.Mock } {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

describe('DenialLog: one "key denied" line per kind a minute', () => {
  let nowMs: number;
  let logger: ReturnType<typeof fakeLogger>;
  let log: DenialLog;

  beforeEach(() => {
    nowMs = 1_000_000;
    logger = fakeLogger();
    log = new DenialLog({ logger, now: () => nowMs, maxKinds: 3 });
  });

  it('logs the first denial of a kind at INFO, with what it names', () => {
    log.denied({ code: 'INSUFFICIENT_SCOPE', keyId: 'k1', routeKey: 'GET /orders', required: 'orders:read' });
    expect(logger.info.mock.calls).toEqual([
      ['key denied', { code: 'INSUFFICIENT_SCOPE', keyId: 'k1', routeKey: 'GET /orders', required: 'orders:read' }],
    ]);
  });

  it('counts the repeats inside the window and reports them on the next line', () => {
    for (let i = 0; i < 5; i += 1) log.denied({ code: 'REVOKED', keyId: 'k1', routeKey: 'GET /whoami' });
    expect(logger.info).toHaveBeenCalledTimes(1);
    nowMs += 59_999;
    log.denied({ code: 'REVOKED', keyId: 'k1', routeKey: 'GET /whoami' });
    expect(logger.info).toHaveBeenCalledTimes(1);
    nowMs += 1;
    log.denied({ code: 'REVOKED', keyId: 'k1', routeKey: 'GET /whoami' });
    expect(logger.info).toHaveBeenCalledTimes(2);
    expect(logger.info.mock.calls[1]).toEqual(['key denied', { code: 'REVOKED', keyId: 'k1', routeKey: 'GET /whoami', repeats: 5 }]);
    // The window starts again from that line: nothing repeated since, so no count on the next one.
    nowMs += 60_000;
    log.denied({ code: 'REVOKED', keyId: 'k1', routeKey: 'GET /whoami' });
    expect(logger.info.mock.calls[2]).toEqual(['key denied', { code: 'REVOKED', keyId: 'k1', routeKey: 'GET /whoami' }]);
  });

  it('tells kinds apart by code, key and route', () => {
    log.denied({ code: 'REVOKED', keyId: 'k1', routeKey: 'GET /whoami' });
    log.denied({ code: 'REVOKED', keyId: 'k2', routeKey: 'GET /whoami' });
    log.denied({ code: 'REVOKED', keyId: 'k1', routeKey: 'GET /orders' });
    log.denied({ code: 'MALFORMED', routeKey: 'GET /whoami' });
    expect(logger.info).toHaveBeenCalledTimes(4);
    expect(logger.info.mock.calls[3]).toEqual(['key denied', { code: 'MALFORMED', routeKey: 'GET /whoami' }]);
  });

  it('stays bounded: past maxKinds the oldest kind is forgotten, and logged again at once', () => {
    for (const keyId of ['a', 'b', 'c', 'd']) log.denied({ code: 'NOT_FOUND', keyId, routeKey: 'GET /x' });
    expect(logger.info).toHaveBeenCalledTimes(4);
    log.denied({ code: 'NOT_FOUND', keyId: 'd', routeKey: 'GET /x' }); // still tracked: counted
    expect(logger.info).toHaveBeenCalledTimes(4);
    log.denied({ code: 'NOT_FOUND', keyId: 'a', routeKey: 'GET /x' }); // forgotten: logged
    expect(logger.info).toHaveBeenCalledTimes(5);
  });
});
