import { KeyFormat } from '../../../lambdas/domain/key-format';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import {
  daysLeft,
  EXPIRY_NOTICE_ACTOR,
  ExpiryNoticeDeliveryError,
  ExpiryNotices,
  NOTICE_BATCH_SIZE,
  NOTICE_PUBLISH_ATTEMPTS,
  type ExpiringKeySource,
  type IndexedKey,
  type NoticeWindow,
} from '../../../lambdas/events/expiry-notices';
import type { LifecycleEvent, LifecyclePublisher, PublishOutcome } from '../../../lambdas/events/lifecycle-event';

const NOW = new Date('2026-03-10T09:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
/** 00:00:00 UTC of NOW's day. */
const TODAY = Date.parse('2026-03-10T00:00:00.000Z') / 1000;
const DAY = 86_400;
const HOUR = 3600;
const DAYS = 7;
const format = new KeyFormat('uak');

/** A key as the index holds it, expiring `inSeconds` after NOW. */
const key = (inSeconds: number, overrides: Partial<IndexedKey> = {}): IndexedKey => ({
  keyId: format.generate().keyId,
  ownerId: 'auth0|owner',
  name: 'deploy bot',
  expiresAt: NOW_SECONDS + inSeconds,
  ...overrides,
});

/** Answers whatever it holds, unfiltered: the domain must not trust it. */
class FakeSource implements ExpiringKeySource {
  readonly windows: NoticeWindow[] = [];
  constructor(public keys: readonly IndexedKey[]) {}
  expiringKeys(window: NoticeWindow): Promise<readonly IndexedKey[]> {
    this.windows.push(window);
    return Promise.resolve(this.keys);
  }
}

/** Records each call; `refuse` names the positions EventBridge refuses in each call (by call number). */
class FakePublisher implements LifecyclePublisher {
  readonly calls: LifecycleEvent[][] = [];
  constructor(private readonly refuse: (events: readonly LifecycleEvent[], call: number) => number[] = () => []) {}
  publish(events: readonly LifecycleEvent[]): Promise<PublishOutcome> {
    this.calls.push([...events]);
    return Promise.resolve({ failed: this.refuse(events, this.calls.length) });
  }
  get published(): LifecycleEvent[] {
    return this.calls.flat();
  }
}

function notices(source: ExpiringKeySource, publisher: LifecyclePublisher, clock: () => Date = () => NOW) {
  const pauses: number[] = [];
  const service = new ExpiryNotices({
    source,
    publisher,
    noticeDays: DAYS,
    clock,
    sleep: (ms) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  });
  return { service, pauses };
}

const noticed = async (keys: readonly IndexedKey[], clock?: () => Date): Promise<LifecycleEvent[]> => {
  const publisher = new FakePublisher();
  await notices(new FakeSource(keys), publisher, clock).service.run();
  return publisher.published;
};
const ids = (events: readonly LifecycleEvent[]): string[] => events.map((event) => event.detail.keyId).sort();
const at = (iso: string) => () => new Date(iso);
/** A key as the index holds it, expiring at `iso`. */
const keyAt = (iso: string, overrides: Partial<IndexedKey> = {}): IndexedKey => key(Date.parse(iso) / 1000 - NOW_SECONDS, overrides);

describe('the daily expiry notice', () => {
  it('asks the source for the UTC days today to today + N, less what has expired by now', async () => {
    const source = new FakeSource([]);
    await notices(source, new FakePublisher()).service.run();
    expect(source.windows).toEqual([{ today: '2026-03-10', after: NOW_SECONDS, before: TODAY + (DAYS + 1) * DAY }]);
  });

  it('notices a key expiring later today or at the last second of today + N, not one expired earlier today nor one a second later', async () => {
    const laterToday = keyAt('2026-03-10T09:00:01.000Z');
    const lastSecond = keyAt('2026-03-17T23:59:59.000Z');
    const dayAfter = keyAt('2026-03-18T00:00:00.000Z');
    const expiringNow = keyAt('2026-03-10T09:00:00.000Z');
    const expiredToday = keyAt('2026-03-10T08:00:00.000Z');
    const expiredYesterday = keyAt('2026-03-09T23:59:59.000Z');
    const events = await noticed([laterToday, lastSecond, dayAfter, expiringNow, expiredToday, expiredYesterday]);
    expect(ids(events)).toEqual([laterToday.keyId, lastSecond.keyId].sort());
    const byId = new Map(events.map((event) => [event.detail.keyId, event.detail.details.daysLeft] as const));
    expect(byId.get(laterToday.keyId)).toBe('0');
    expect(byId.get(lastSecond.keyId)).toBe('7');
  });

  it('counts the UTC days from today to the day of expiry, whatever the time on either, as a string', async () => {
    const cases: [string, string][] = [
      ['2026-03-10T09:00:01.000Z', '0'],
      ['2026-03-10T23:59:59.000Z', '0'],
      ['2026-03-11T00:00:00.000Z', '1'],
      ['2026-03-11T08:59:59.000Z', '1'],
      ['2026-03-11T21:00:00.000Z', '1'],
      ['2026-03-11T23:59:59.000Z', '1'],
      ['2026-03-12T00:00:00.000Z', '2'],
      ['2026-03-17T00:00:00.000Z', '7'],
      ['2026-03-17T23:59:59.000Z', '7'],
    ];
    const keys = cases.map(([iso]) => keyAt(iso));
    const events = await noticed(keys);
    const byId = new Map(events.map((event) => [event.detail.keyId, event.detail.details.daysLeft] as const));
    expect(keys.map((k) => byId.get(k.keyId))).toEqual(cases.map(([, left]) => left));
    expect(daysLeft(NOW_SECONDS + 36 * HOUR, NOW)).toBe(1);
    expect(daysLeft(TODAY + DAY, new Date('2026-03-10T23:59:59.999Z'))).toBe(1);
  });

  it('counts a key down N, ..., 1, 0 on successive days, each value once, however early or late each run is', async () => {
    // Due at 07:00 UTC: a run may fire a few seconds late (07:00:05) or, as a clock sees it, early (06:59:58).
    const k = keyAt('2026-03-17T07:00:03.000Z');
    const days = Array.from({ length: 10 }, (_, i) => new Date(Date.parse('2026-03-09T00:00:00.000Z') + i * DAY * 1000));
    // Every pattern of early and late runs over 03-09 to 03-18.
    for (let pattern = 0; pattern < 2 ** days.length; pattern += 1) {
      const seen: string[] = [];
      const eventIds: string[] = [];
      let lastRunEarly = false;
      for (const [i, day] of days.entries()) {
        const early = (pattern & (1 << i)) !== 0;
        const runAt = new Date(day.getTime() + (early ? 7 * HOUR - 2 : 7 * HOUR + 5) * 1000);
        if (day.toISOString().startsWith('2026-03-17')) lastRunEarly = early;
        for (const event of await noticed([k], () => runAt)) {
          seen.push(event.detail.details.daysLeft!);
          eventIds.push(event.detail.eventId);
        }
      }
      // On 03-17 a late run comes after the expiry (07:00:03): the key has expired and gets no 0.
      expect(seen).toEqual(['7', '6', '5', '4', '3', '2', '1', ...(lastRunEarly ? ['0'] : [])]);
      expect(new Set(eventIds).size).toBe(eventIds.length);
    }
    const all = async (time: string) =>
      (await Promise.all(days.map((day) => noticed([k], at(`${day.toISOString().slice(0, 10)}T${time}Z`))))).flat();
    expect((await all('06:59:58.000')).map((event) => event.detail.details.daysLeft)).toEqual(['7', '6', '5', '4', '3', '2', '1', '0']);
    expect((await all('07:00:05.000')).map((event) => event.detail.details.daysLeft)).toEqual(['7', '6', '5', '4', '3', '2', '1']);
  });

  it('gives a retry later the same day the same events, but for `at`', async () => {
    const keys = [
      keyAt('2026-03-10T07:00:03.000Z'),
      keyAt('2026-03-10T18:00:00.000Z'),
      keyAt('2026-03-11T07:00:03.000Z'),
      keyAt('2026-03-13T12:00:00.000Z', { name: 'CI: nightly' }),
      keyAt('2026-03-17T07:00:00.000Z'),
      keyAt('2026-03-17T23:59:59.000Z'),
    ];
    const scheduled = await noticed(keys, at('2026-03-10T07:00:00.000Z'));
    const retried = await noticed(keys, at('2026-03-10T13:00:00.000Z'));
    // The one key that expired between the two runs (at 07:00:03) is the only difference in what is noticed.
    expect(scheduled).toHaveLength(keys.length);
    const withoutAt = (events: readonly LifecycleEvent[]) =>
      events
        .filter((event) => event.detail.keyId !== keys[0]!.keyId)
        .map((event) => JSON.stringify({ ...event, detail: { ...event.detail, at: '' } }));
    expect(withoutAt(retried)).toEqual(withoutAt(scheduled));
    expect(retried).toHaveLength(keys.length - 1);
    expect(retried.map((event) => event.detail.at)).toEqual(Array<string>(keys.length - 1).fill('2026-03-10T13:00:00.000Z'));
  });

  it('says what the owner needs and no more', async () => {
    const soon = key(36 * HOUR, { name: 'CI: nightly' });
    const [event] = await noticed([soon]);
    expect(event).toEqual({
      detailType: 'Key expiring',
      detail: {
        keyId: soon.keyId,
        ownerId: 'auth0|owner',
        type: 'key.expiring',
        actor: EXPIRY_NOTICE_ACTOR,
        at: NOW.toISOString(),
        details: { expiresAt: new Date(soon.expiresAt * 1000).toISOString(), daysLeft: '1', name: 'CI: nightly' },
        eventId: `expiring#${soon.keyId}#2026-03-10`,
      },
    });
    expect(EXPIRY_NOTICE_ACTOR).toBe('user-api-keys:expiry');
  });

  it('leaves out disabled, revoked and rotated keys', async () => {
    const active = key(DAY);
    const events = await noticed([
      active,
      key(DAY, { disabledAt: NOW.toISOString() }),
      key(DAY, { revokedAt: NOW.toISOString() }),
      key(DAY, { replacedBy: format.generate().keyId }),
    ]);
    expect(ids(events)).toEqual([active.keyId]);
  });

  it('notices a key the source answers twice once', async () => {
    const twice = key(DAY);
    expect(ids(await noticed([twice, { ...twice }]))).toEqual([twice.keyId]);
  });

  it('publishes in batches of at most ten and sums up the run', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => key(HOUR * (i + 1)));
    const publisher = new FakePublisher();
    const summary = await notices(new FakeSource(keys), publisher).service.run();
    expect(publisher.calls.map((call) => call.length)).toEqual([NOTICE_BATCH_SIZE, NOTICE_BATCH_SIZE, 3]);
    expect(summary).toEqual({ days: DAYS, keys: 23, published: 23 });
    expect(ids(publisher.published)).toEqual(ids(keys.map((k) => ({ detail: { keyId: k.keyId } }) as LifecycleEvent)));
  });

  it('offers a refused entry again, alone, after a pause', async () => {
    const keys = [key(HOUR), key(2 * HOUR), key(3 * HOUR)];
    const publisher = new FakePublisher((_events, call) => (call === 1 ? [1] : []));
    const { service, pauses } = notices(new FakeSource(keys), publisher);
    await expect(service.run()).resolves.toEqual({ days: DAYS, keys: 3, published: 3 });
    expect(publisher.calls).toHaveLength(2);
    expect(publisher.calls[1]).toEqual([publisher.calls[0]![1]]);
    expect(pauses).toHaveLength(1);
  });

  it('fails the run when an entry is refused every time, after a bounded number of tries, publishing nothing after it', async () => {
    const keys = Array.from({ length: 15 }, (_, i) => key(HOUR * (i + 1)));
    const stubborn = (events: readonly LifecycleEvent[]) =>
      events.flatMap((event, i) => (event.detail.keyId === keys[2]!.keyId ? [i] : []));
    const publisher = new FakePublisher(stubborn);
    const { service, pauses } = notices(new FakeSource(keys), publisher);
    const failure = await service.run().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ExpiryNoticeDeliveryError);
    expect(failure).toMatchObject({ undelivered: 1, published: 9 });
    // The first batch's ten, then the stubborn entry alone until the tries run out; the second batch never goes.
    expect(publisher.calls.map((call) => call.length)).toEqual([10, ...Array<number>(NOTICE_PUBLISH_ATTEMPTS - 1).fill(1)]);
    expect(pauses).toHaveLength(NOTICE_PUBLISH_ATTEMPTS - 1);
  });

  it('gives a key the same eventId all day and another the next day', async () => {
    const soon = key(3 * DAY);
    const idAt = async (at: string) => (await noticed([soon], () => new Date(at)))[0]?.detail.eventId;
    const morning = await idAt('2026-03-10T00:00:00.000Z');
    expect(await idAt('2026-03-10T09:00:00.000Z')).toBe(morning);
    expect(await idAt('2026-03-10T23:59:59.999Z')).toBe(morning);
    expect(await idAt('2026-03-11T00:00:00.000Z')).toBe(`expiring#${soon.keyId}#2026-03-11`);
    expect(morning).toBe(`expiring#${soon.keyId}#2026-03-10`);
  });

  it('puts no secret, hash or other attribute of the key in any event', async () => {
    // A source that hands over whole stored keys: only the notice's own fields may come out.
    const generated = Array.from({ length: 3 }, () => format.generate());
    const keys = generated.map((g, i) => ({
      ...key(DAY * (i + 1), { keyId: g.keyId }),
      secretHash: hashSecret(g.secret),
      secret: g.secret,
      scopes: ['orders:write'],
      lastUsedAt: NOW.toISOString(),
    }));
    const events = await noticed(keys);
    expect(events).toHaveLength(3);
    const text = JSON.stringify(events);
    for (const g of generated) {
      expect(text).not.toContain(g.secret);
      expect(text).not.toContain(hashSecret(g.secret));
    }
    for (const event of events) {
      expect(Object.keys(event.detail).sort()).toEqual(['actor', 'at', 'details', 'eventId', 'keyId', 'ownerId', 'type']);
      expect(Object.keys(event.detail.details).sort()).toEqual(['daysLeft', 'expiresAt', 'name']);
    }
  });
});
