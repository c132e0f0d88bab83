import { DeviceCodeStore, isValidUser, type DeviceCodeStoreOptions, type IssuedDeviceCode } from '../../../local/dev-idp/device-codes';
import { formatUserCode, normaliseUserCode, randomUserCode } from '../../../local/dev-idp/user-codes';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;
const REQUEST = { clientId: 'my-cli', audience: 'http://127.0.0.1:3000' };

/** A store on a clock the test moves (milliseconds). */
function storeAt(options: DeviceCodeStoreOptions = {}): { store: DeviceCodeStore; advance: (ms: number) => void } {
  let clock = T0;
  const store = new DeviceCodeStore({ now: () => clock, ...options });
  return { store, advance: (ms) => (clock += ms) };
}

function issue(store: DeviceCodeStore, request: Parameters<DeviceCodeStore['issue']>[0] = REQUEST): IssuedDeviceCode {
  const issued = store.issue(request);
  if (issued.outcome !== 'issued') throw new Error(`expected a code, got ${issued.outcome}`);
  return issued.code;
}

/** User codes drawn from a list, for collisions. */
function drawing(...codes: string[]): () => string {
  return () => {
    const code = codes.shift();
    if (code === undefined) throw new Error('no more user codes');
    return code;
  };
}

describe('DeviceCodeStore options', () => {
  it('defaults to 600 seconds, a 5-second interval and 1000 codes', () => {
    const store = new DeviceCodeStore();
    expect([store.lifetimeSeconds, store.pollIntervalSeconds, store.maxCodes]).toEqual([600, 5, 1000]);
    const code = issue(store);
    expect(code.expiresInSeconds).toBe(600);
    expect(code.intervalSeconds).toBe(5);
  });

  it.each([
    [{ deviceCodeLifetimeSeconds: 0 }, 'deviceCodeLifetimeSeconds must be a positive integer'],
    [{ deviceCodeLifetimeSeconds: 1.5 }, 'deviceCodeLifetimeSeconds must be a positive integer'],
    [{ devicePollIntervalSeconds: -1 }, 'devicePollIntervalSeconds must be a non-negative integer'],
    [{ devicePollIntervalSeconds: 0.5 }, 'devicePollIntervalSeconds must be a non-negative integer'],
    [{ maxDeviceCodes: 0 }, 'maxDeviceCodes must be a positive integer'],
    [{ maxDeviceCodes: Number.NaN }, 'maxDeviceCodes must be a positive integer'],
  ])('refuses %o', (options, message) => {
    expect(() => new DeviceCodeStore(options)).toThrow(message);
  });
});

describe('issue', () => {
  it('hands out a 32-byte device code and a formatted user code, with the configured lifetime and interval', () => {
    const { store } = storeAt({ deviceCodeLifetimeSeconds: 120, devicePollIntervalSeconds: 0 });
    const code = issue(store);
    expect(code.deviceCode).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(code.deviceCode, 'base64url')).toHaveLength(32);
    expect(code.userCode).toMatch(USER_CODE);
    expect(code.expiresInSeconds).toBe(120);
    expect(code.intervalSeconds).toBe(0);
    expect(store.size).toBe(1);
  });

  it('draws again when a user code is taken', () => {
    const { store } = storeAt({ randomUserCode: drawing('BBBBBBBB', 'BBBBBBBB', 'CCCCCCCC') });
    expect(issue(store).userCode).toBe('BBBB-BBBB');
    expect(issue(store).userCode).toBe('CCCC-CCCC');
  });

  it('may reuse the user code of a code already granted, which then names the new one', () => {
    const { store } = storeAt({ devicePollIntervalSeconds: 0, randomUserCode: drawing('BBBBBBBB', 'BBBBBBBB') });
    const first = issue(store);
    expect(store.approve(first.userCode, 'alice')).toBe(true);
    expect(store.poll(first.deviceCode, 'my-cli').outcome).toBe('granted');
    const second = issue(store);
    expect(second.userCode).toBe('BBBB-BBBB');
    expect(store.approve('BBBB-BBBB', 'bob')).toBe(true);
    expect(store.poll(second.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'bob' });
  });

  describe('capacity', () => {
    it('answers full at the limit, until a code expires (at exactly its lifetime)', () => {
      const { store, advance } = storeAt({ maxDeviceCodes: 2, deviceCodeLifetimeSeconds: 60 });
      issue(store);
      advance(10_000);
      issue(store);
      expect(store.issue(REQUEST)).toEqual({ outcome: 'full' });
      advance(49_999);
      expect(store.issue(REQUEST)).toEqual({ outcome: 'full' });
      advance(1); // the first code is now exactly 60 s old
      issue(store);
      expect(store.size).toBe(2);
      expect(store.issue(REQUEST)).toEqual({ outcome: 'full' });
    });

    it('counts approved and denied codes until they are granted or expire', () => {
      const { store } = storeAt({ maxDeviceCodes: 2, devicePollIntervalSeconds: 0 });
      const approved = issue(store);
      const denied = issue(store);
      store.approve(approved.userCode, 'alice');
      store.deny(denied.userCode);
      expect(store.issue(REQUEST)).toEqual({ outcome: 'full' });
      expect(store.poll(denied.deviceCode, 'my-cli').outcome).toBe('access_denied');
      expect(store.issue(REQUEST)).toEqual({ outcome: 'full' });
      expect(store.poll(approved.deviceCode, 'my-cli').outcome).toBe('granted');
      expect(store.issue(REQUEST).outcome).toBe('issued');
    });
  });
});

describe('poll', () => {
  it('answers authorization_pending, then grants once with the request and the user, then invalid_grant', () => {
    const { store } = storeAt({ devicePollIntervalSeconds: 0 });
    const code = issue(store, { clientId: 'my-cli', audience: 'https://api.example.com', scope: 'openid keys:write' });
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'authorization_pending' });
    expect(store.approve(code.userCode, 'auth0|alice')).toBe(true);
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({
      outcome: 'granted',
      user: 'auth0|alice',
      audience: 'https://api.example.com',
      scope: 'openid keys:write',
    });
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'invalid_grant' });
    expect(store.size).toBe(0);
  });

  it('grants without scope when none was asked', () => {
    const { store } = storeAt();
    const code = issue(store);
    store.approve(code.userCode, 'bob');
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({
      outcome: 'granted',
      user: 'bob',
      audience: REQUEST.audience,
      scope: undefined,
    });
  });

  it('answers invalid_grant to an unknown code', () => {
    const { store } = storeAt();
    issue(store);
    expect(store.poll(Buffer.alloc(32, 7).toString('base64url'), 'my-cli')).toEqual({ outcome: 'invalid_grant' });
  });

  it('answers invalid_grant to another client, without consuming the code or counting the poll', () => {
    const { store } = storeAt({ devicePollIntervalSeconds: 5 });
    const code = issue(store);
    store.approve(code.userCode, 'alice');
    expect(store.poll(code.deviceCode, 'other-cli')).toEqual({ outcome: 'invalid_grant' });
    expect(store.poll(code.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
  });

  it('answers access_denied to every poll once denied', () => {
    const { store } = storeAt({ devicePollIntervalSeconds: 0 });
    const code = issue(store);
    expect(store.deny(code.userCode)).toBe(true);
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'access_denied' });
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'access_denied' });
  });

  describe('slow_down', () => {
    it('answers slow_down to a poll less than the interval after the last, and not at exactly the interval', () => {
      const { store, advance } = storeAt({ devicePollIntervalSeconds: 5 });
      const code = issue(store);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('authorization_pending');
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('slow_down');
      advance(5000);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('authorization_pending');
      advance(4999);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('slow_down');
      // The refused poll restarted the interval.
      advance(4999);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('slow_down');
      advance(5000);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('authorization_pending');
    });

    it('does not grant on a poll that is too soon, and grants on the next in time', () => {
      const { store, advance } = storeAt({ devicePollIntervalSeconds: 5 });
      const code = issue(store);
      store.poll(code.deviceCode, 'my-cli');
      store.approve(code.userCode, 'alice');
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('slow_down');
      advance(5000);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('granted');
    });

    it('never answers slow_down with interval 0', () => {
      const { store } = storeAt({ devicePollIntervalSeconds: 0 });
      const code = issue(store);
      const outcomes = Array.from({ length: 5 }, () => store.poll(code.deviceCode, 'my-cli').outcome);
      expect(outcomes).toEqual(Array(5).fill('authorization_pending'));
    });

    it('times each code on its own', () => {
      const { store } = storeAt({ devicePollIntervalSeconds: 5 });
      const first = issue(store);
      const second = issue(store);
      expect(store.poll(first.deviceCode, 'my-cli').outcome).toBe('authorization_pending');
      expect(store.poll(second.deviceCode, 'my-cli').outcome).toBe('authorization_pending');
    });
  });

  describe('expiry', () => {
    it('answers expired_token from exactly the lifetime, pending, approved or denied', () => {
      const { store, advance } = storeAt({ devicePollIntervalSeconds: 0, deviceCodeLifetimeSeconds: 600 });
      const pending = issue(store);
      const approved = issue(store);
      const denied = issue(store);
      store.approve(approved.userCode, 'alice');
      store.deny(denied.userCode);
      advance(599_999);
      expect(store.poll(pending.deviceCode, 'my-cli').outcome).toBe('authorization_pending');
      advance(1);
      for (const code of [pending, approved, denied]) expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'expired_token' });
    });

    it('still answers expired_token for another lifetime, then forgets the code (invalid_grant)', () => {
      const { store, advance } = storeAt({ devicePollIntervalSeconds: 0, deviceCodeLifetimeSeconds: 60 });
      const code = issue(store);
      advance(119_999);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('expired_token');
      expect(store.size).toBe(1);
      advance(1);
      expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('invalid_grant');
      expect(store.size).toBe(0);
    });

    it('prunes long-expired codes on issue and on approval too', () => {
      const { store, advance } = storeAt({ deviceCodeLifetimeSeconds: 60 });
      issue(store);
      advance(120_000);
      issue(store);
      expect(store.size).toBe(1);
      advance(120_000);
      expect(store.approve('BBBB-BBBB', 'alice')).toBe(false);
      expect(store.size).toBe(0);
    });

    it('lets a code be approved or denied until just before its lifetime, not at it', () => {
      const { store, advance } = storeAt({ deviceCodeLifetimeSeconds: 60 });
      const early = issue(store);
      const late = issue(store);
      advance(59_999);
      expect(store.approve(early.userCode, 'alice')).toBe(true);
      advance(1);
      expect(store.approve(late.userCode, 'alice')).toBe(false);
      expect(store.deny(late.userCode)).toBe(false);
    });
  });
});

describe('approve and deny', () => {
  it('match user codes ignoring case, the dash and spaces', () => {
    const { store } = storeAt({ devicePollIntervalSeconds: 0 });
    const first = issue(store);
    const second = issue(store);
    expect(store.approve(first.userCode.replace('-', '').toLowerCase(), 'erin')).toBe(true);
    expect(store.deny(` ${second.userCode.toLowerCase()} `)).toBe(true);
    expect(store.poll(first.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'erin' });
    expect(store.poll(second.deviceCode, 'my-cli').outcome).toBe('access_denied');
  });

  it('refuse an unknown code', () => {
    const { store } = storeAt({ randomUserCode: drawing('CCCCCCCC') });
    issue(store);
    expect(store.approve('BBBB-BBBB', 'alice')).toBe(false);
    expect(store.deny('BBBB-BBBB')).toBe(false);
  });

  it('decide a code once', () => {
    const { store } = storeAt({ devicePollIntervalSeconds: 0 });
    const approved = issue(store);
    const denied = issue(store);
    expect(store.approve(approved.userCode, 'alice')).toBe(true);
    expect(store.approve(approved.userCode, 'mallory')).toBe(false);
    expect(store.deny(approved.userCode)).toBe(false);
    expect(store.deny(denied.userCode)).toBe(true);
    expect(store.deny(denied.userCode)).toBe(false);
    expect(store.approve(denied.userCode, 'alice')).toBe(false);
    expect(store.poll(approved.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
  });

  it('refuse a user that is empty or over 256 characters, leaving the code pending', () => {
    const { store } = storeAt({ devicePollIntervalSeconds: 0 });
    const code = issue(store);
    expect(store.approve(code.userCode, '')).toBe(false);
    expect(store.approve(code.userCode, 'u'.repeat(257))).toBe(false);
    expect(store.poll(code.deviceCode, 'my-cli').outcome).toBe('authorization_pending');
    expect(store.approve(code.userCode, 'u'.repeat(256))).toBe(true);
    expect(store.poll(code.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'u'.repeat(256) });
  });
});

describe('user codes', () => {
  it('are 8 letters of the alphabet without vowels or look-alikes', () => {
    for (let i = 0; i < 200; i += 1) expect(randomUserCode()).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
  });

  it('normalise to upper case without dashes or spaces, and format with one dash', () => {
    expect(normaliseUserCode(' bcdf-ghjk ')).toBe('BCDFGHJK');
    expect(formatUserCode('BCDFGHJK')).toBe('BCDF-GHJK');
  });

  it('isValidUser takes 1-256 characters', () => {
    expect([undefined, '', 'a', 'u'.repeat(256), 'u'.repeat(257)].map(isValidUser)).toEqual([false, false, true, true, false]);
  });
});
