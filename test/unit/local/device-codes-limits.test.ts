import { DeviceCodeStore, type DeviceCodeStoreOptions, type IssuedDeviceCode } from '../../../local/dev-idp/device-codes';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const REQUEST = { clientId: 'my-cli', audience: 'http://127.0.0.1:3000' };
/** Never issued: the store below draws its user codes from the other letters. */
const WRONG = 'BBBB-BBBB';
const ALICE = { status: 'approved', user: 'alice' } as const;

/** The user-code alphabet without B: the codes the store below issues. */
const LETTERS = 'CDFGHJKLMNPQRSTVWXZ';

/** A store on a clock the test moves, issuing distinct user codes that are never WRONG. */
function storeAt(options: DeviceCodeStoreOptions = {}): { store: DeviceCodeStore; advance: (ms: number) => void } {
  let clock = T0;
  let next = 0;
  const randomUserCode = (): string => {
    let code = '';
    for (let n = next++, i = 0; i < 8; i += 1, n = Math.floor(n / LETTERS.length)) code += LETTERS.charAt(n % LETTERS.length);
    return code;
  };
  const store = new DeviceCodeStore({ now: () => clock, devicePollIntervalSeconds: 0, randomUserCode, ...options });
  return { store, advance: (ms) => (clock += ms) };
}

function issue(store: DeviceCodeStore): IssuedDeviceCode {
  const issued = store.issue(REQUEST);
  if (issued.outcome !== 'issued') throw new Error(`expected a code, got ${issued.outcome}`);
  return issued.code;
}

function wrongCodes(store: DeviceCodeStore, count: number): string[] {
  return Array.from({ length: count }, () => store.activate(WRONG, ALICE).outcome);
}

describe('wrong-code limits: options', () => {
  it('default to 10 wrong codes a minute and a lock after 5', () => {
    const { store } = storeAt();
    expect(store.lockAfterWrongCodes).toBe(5);
    const code = issue(store);
    expect(wrongCodes(store, 10)).toEqual(Array(10).fill('unknown'));
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'throttled', retryAfterSeconds: 60 });
  });

  it.each([
    [{ lockAfterWrongCodes: 0 }, 'lockAfterWrongCodes must be a positive integer'],
    [{ maxWrongCodesPerWindow: 1.5 }, 'maxWrongCodesPerWindow must be a positive integer'],
    [{ wrongCodeWindowSeconds: 0 }, 'wrongCodeWindowSeconds must be a positive integer'],
  ])('refuse %o', (options, message) => {
    expect(() => new DeviceCodeStore(options)).toThrow(message);
  });
});

describe('the wrong-code budget', () => {
  it('takes 10 wrong codes, then refuses every attempt, right codes included, until the window ends', () => {
    const { store, advance } = storeAt({ lockAfterWrongCodes: 100 });
    const code = issue(store);
    expect(wrongCodes(store, 10)).toEqual(Array(10).fill('unknown'));
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'throttled', retryAfterSeconds: 60 });
    expect(store.approve(code.userCode, 'alice')).toBe(false);
    expect(store.deny(code.userCode)).toBe(false);
    advance(1000);
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'throttled', retryAfterSeconds: 59 });
    advance(58_999);
    expect(store.activate(WRONG, ALICE)).toEqual({ outcome: 'throttled', retryAfterSeconds: 1 });
    advance(1); // exactly a minute after the first wrong code
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'decided' });
    expect(store.poll(code.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
  });

  it('opens the window at the first wrong code, and a new one once it has ended', () => {
    const { store, advance } = storeAt({ lockAfterWrongCodes: 100 });
    wrongCodes(store, 1);
    advance(59_999);
    expect(wrongCodes(store, 9)).toEqual(Array(9).fill('unknown'));
    expect(store.activate(WRONG, ALICE).outcome).toBe('throttled');
    advance(1);
    // A new window: 10 more wrong codes before the next refusal.
    expect(wrongCodes(store, 10)).toEqual(Array(10).fill('unknown'));
    expect(store.activate(WRONG, ALICE).outcome).toBe('throttled');
  });

  it('does not carry wrong codes over from an ended window', () => {
    const { store, advance } = storeAt({ lockAfterWrongCodes: 100 });
    wrongCodes(store, 9);
    advance(60_000);
    expect(wrongCodes(store, 10)).toEqual(Array(10).fill('unknown'));
  });

  it('does not count refused attempts: the window ends on time and no code locks', () => {
    const { store, advance } = storeAt({ maxWrongCodesPerWindow: 2, lockAfterWrongCodes: 3 });
    const code = issue(store);
    wrongCodes(store, 2);
    expect(wrongCodes(store, 50)).toEqual(Array(50).fill('throttled'));
    advance(60_000);
    expect(store.activate(code.userCode, ALICE).outcome).toBe('decided');
  });

  it('counts expired and already decided codes as wrong, not a missing user id', () => {
    const { store, advance } = storeAt({
      maxWrongCodesPerWindow: 3,
      wrongCodeWindowSeconds: 120,
      lockAfterWrongCodes: 100,
      deviceCodeLifetimeSeconds: 60,
    });
    const decided = issue(store);
    expect(store.approve(decided.userCode, 'alice')).toBe(true);
    expect(store.approve(decided.userCode, 'mallory')).toBe(false);
    expect(store.approve(issue(store).userCode, '')).toBe(false); // refused before any look-up
    const expiring = issue(store);
    advance(60_000);
    expect(store.deny(expiring.userCode)).toBe(false);
    expect(store.activate(WRONG, ALICE).outcome).toBe('unknown');
    expect(store.activate(WRONG, ALICE).outcome).toBe('throttled');
  });

  it('follows the configured budget and window', () => {
    const { store, advance } = storeAt({ maxWrongCodesPerWindow: 1, wrongCodeWindowSeconds: 5, lockAfterWrongCodes: 100 });
    wrongCodes(store, 1);
    expect(store.activate(WRONG, ALICE)).toEqual({ outcome: 'throttled', retryAfterSeconds: 5 });
    advance(4_001);
    expect(store.activate(WRONG, ALICE)).toEqual({ outcome: 'throttled', retryAfterSeconds: 1 });
    advance(999);
    expect(store.activate(WRONG, ALICE).outcome).toBe('unknown');
  });
});

describe('locking a code', () => {
  it('approves a code that waited through 4 wrong codes', () => {
    const { store } = storeAt();
    const code = issue(store);
    wrongCodes(store, 4);
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'decided' });
    expect(store.poll(code.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
  });

  it('locks a code at the 5th wrong code: no approval or denial, and its poll answers access_denied', () => {
    const { store } = storeAt();
    const code = issue(store);
    wrongCodes(store, 5);
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'locked' });
    expect(store.approve(code.userCode, 'alice')).toBe(false);
    expect(store.deny(code.userCode)).toBe(false);
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'access_denied', locked: true });
  });

  it('counts only the wrong codes entered since a code was issued', () => {
    const { store } = storeAt();
    const older = issue(store);
    wrongCodes(store, 3);
    const newer = issue(store);
    wrongCodes(store, 2);
    expect(store.activate(older.userCode, ALICE).outcome).toBe('locked');
    // Trying the locked code is a wrong code too: 3 for the newer one so far.
    expect(store.activate(newer.userCode, ALICE).outcome).toBe('decided');
  });

  it('leaves a code decided before the 5th wrong code as it was', () => {
    const { store } = storeAt({ maxWrongCodesPerWindow: 100 });
    const approved = issue(store);
    const denied = issue(store);
    expect(store.approve(approved.userCode, 'alice')).toBe(true);
    expect(store.deny(denied.userCode)).toBe(true);
    wrongCodes(store, 20);
    expect(store.poll(approved.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
    expect(store.poll(denied.deviceCode, 'my-cli')).toEqual({ outcome: 'access_denied' });
  });

  it('answers expired_token, not locked, once a locked code expires', () => {
    const { store, advance } = storeAt({ deviceCodeLifetimeSeconds: 60 });
    const code = issue(store);
    wrongCodes(store, 5);
    advance(60_000);
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'expired_token' });
    expect(store.activate(code.userCode, ALICE).outcome).toBe('unknown');
  });

  it('follows the configured lock', () => {
    const { store } = storeAt({ lockAfterWrongCodes: 1 });
    const code = issue(store);
    wrongCodes(store, 1);
    expect(store.activate(code.userCode, ALICE).outcome).toBe('locked');
  });
});
