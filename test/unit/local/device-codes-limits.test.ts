import { DeviceCodeStore, type DeviceCodeStoreOptions, type IssuedDeviceCode } from '../../../local/dev-idp/device-codes';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const REQUEST = { clientId: 'my-cli', audience: 'http://127.0.0.1:3000' };
/** Never issued: the store below draws its user codes from the other letters. Aimed at no code it issues. */
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

/**
 * A wrong code aimed at `userCode`: its first half, then a second half with
 * a B (never issued by the store below), the `n`th of 19 such.
 */
function nearMiss(userCode: string, n = 0): string {
  return `${userCode.slice(0, 4)}-BBB${LETTERS.charAt(n % LETTERS.length)}`;
}

/** `count` wrong codes: near misses of `target` if given, else WRONG (aimed at no code). */
function wrongCodes(store: DeviceCodeStore, count: number, target?: IssuedDeviceCode): string[] {
  return Array.from({ length: count }, (_, n) => store.activate(target ? nearMiss(target.userCode, n) : WRONG, ALICE).outcome);
}

/** User codes drawn from a list (codes that share a first half). */
function drawing(...codes: string[]): () => string {
  return () => {
    const code = codes.shift();
    if (code === undefined) throw new Error('no more user codes');
    return code;
  };
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
    wrongCodes(store, 2, code);
    expect(wrongCodes(store, 50, code)).toEqual(Array(50).fill('throttled'));
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
  it('approves a code that waited through 4 wrong codes aimed at it', () => {
    const { store } = storeAt();
    const code = issue(store);
    wrongCodes(store, 4, code);
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'decided' });
    expect(store.poll(code.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
  });

  it('locks a code at the 5th wrong code aimed at it: no approval or denial, and its poll answers access_denied', () => {
    const { store } = storeAt();
    const code = issue(store);
    wrongCodes(store, 5, code);
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'locked' });
    expect(store.approve(code.userCode, 'alice')).toBe(false);
    expect(store.deny(code.userCode)).toBe(false);
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'access_denied', locked: true });
  });

  it('counts only the wrong codes entered since a code was issued', () => {
    // Two codes with one first half, so the same wrong codes are aimed at both.
    const { store } = storeAt({ randomUserCode: drawing('CDFGHJKL', 'CDFGMNPQ') });
    const older = issue(store);
    wrongCodes(store, 3, older);
    const newer = issue(store);
    wrongCodes(store, 2, older);
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
    wrongCodes(store, 10, approved);
    wrongCodes(store, 10, denied);
    expect(store.poll(approved.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
    expect(store.poll(denied.deviceCode, 'my-cli')).toEqual({ outcome: 'access_denied' });
  });

  it('answers expired_token, not locked, once a locked code expires', () => {
    const { store, advance } = storeAt({ deviceCodeLifetimeSeconds: 60 });
    const code = issue(store);
    wrongCodes(store, 5, code);
    advance(60_000);
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'expired_token' });
    expect(store.activate(code.userCode, ALICE).outcome).toBe('unknown');
  });

  it('follows the configured lock', () => {
    const { store } = storeAt({ lockAfterWrongCodes: 1 });
    const code = issue(store);
    wrongCodes(store, 1, code);
    expect(store.activate(code.userCode, ALICE).outcome).toBe('locked');
  });
});

describe('which codes a wrong code counts against', () => {
  it("leaves a pending code approvable after a stranger's 5 wrong random codes", () => {
    const { store } = storeAt();
    const code = issue(store); // CCCC-CCCC
    const strangers = ['BBBB-BBBB', 'XXXX-BBBB', 'DCCC-CCCC', 'CCCB-CCCC', 'ZZZZ-ZZZZ'];
    expect(strangers.map((wrong) => store.activate(wrong, ALICE).outcome)).toEqual(Array(5).fill('unknown'));
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'authorization_pending' });
    expect(store.activate(code.userCode, ALICE)).toEqual({ outcome: 'decided' });
    expect(store.poll(code.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'alice' });
  });

  it("locks only the mistyped code: one person's typos leave another's code approvable", () => {
    const { store } = storeAt();
    const alice = issue(store);
    const bob = issue(store);
    expect(alice.userCode.slice(0, 4)).not.toBe(bob.userCode.slice(0, 4));
    // One letter wrong in the second half, five times.
    const typo = `${alice.userCode.slice(0, -1)}B`;
    expect(Array.from({ length: 5 }, () => store.activate(typo, ALICE).outcome)).toEqual(Array(5).fill('unknown'));
    expect(store.activate(alice.userCode, ALICE).outcome).toBe('locked');
    expect(store.activate(bob.userCode, { status: 'approved', user: 'bob' })).toEqual({ outcome: 'decided' });
    expect(store.poll(bob.deviceCode, 'my-cli')).toMatchObject({ outcome: 'granted', user: 'bob' });
  });

  it('counts 4 near misses and any number of unrelated wrong codes as 4: the 5th near miss locks', () => {
    const { store } = storeAt({ maxWrongCodesPerWindow: 100 });
    const code = issue(store);
    wrongCodes(store, 4, code);
    wrongCodes(store, 50);
    expect(store.poll(code.deviceCode, 'my-cli')).toEqual({ outcome: 'authorization_pending' });
    wrongCodes(store, 1, code);
    expect(store.activate(code.userCode, ALICE).outcome).toBe('locked');
  });

  it('counts a wrong code sharing the first four letters, however different the rest, and not one sharing three', () => {
    const { store } = storeAt({ randomUserCode: drawing('CDFGHJKL', 'CDFHHJKL') });
    const near = issue(store);
    const far = issue(store);
    // Each shares CDFG, and only CDF with the other code.
    const wrong = ['CDFG-BBBB', 'CDFG-ZZZZ', 'CDFG-HJKB', 'CDFG-BJKL', 'CDFGHJK'];
    expect(wrong.map((code) => store.activate(code, ALICE).outcome)).toEqual(Array(5).fill('unknown'));
    expect(store.activate(near.userCode, ALICE).outcome).toBe('locked');
    expect(store.activate(far.userCode, ALICE).outcome).toBe('decided');
  });

  it('normalises the wrong code first: case, dashes and spaces do not matter', () => {
    const { store } = storeAt({ randomUserCode: drawing('CDFGHJKL') });
    const code = issue(store);
    const wrong = ['cdfg-bbbb', 'CDFGBBBB', ' c d f g b b b b ', 'c-dfgbbbb', 'CdFg-hjkb'];
    expect(wrong.map((typed) => store.activate(typed, ALICE).outcome)).toEqual(Array(5).fill('unknown'));
    expect(store.activate(code.userCode, ALICE).outcome).toBe('locked');
  });

  it('counts a wrong code shorter than four letters against no code', () => {
    const { store } = storeAt({ randomUserCode: drawing('CDFGHJKL') });
    const code = issue(store);
    const wrong = ['', 'C', 'CD', 'CDF', 'c-d-f', '-'];
    expect(wrong.map((typed) => store.activate(typed, ALICE).outcome)).toEqual(Array(6).fill('unknown'));
    expect(store.activate(code.userCode, ALICE).outcome).toBe('decided');
  });

  it('counts a near miss against every pending code with that first half', () => {
    const { store } = storeAt({ randomUserCode: drawing('CDFGHJKL', 'CDFGMNPQ', 'CDFGRSTV') });
    const first = issue(store);
    const second = issue(store);
    const decided = issue(store);
    expect(store.deny(decided.userCode)).toBe(true);
    wrongCodes(store, 5, first);
    expect(store.activate(first.userCode, ALICE).outcome).toBe('locked');
    expect(store.activate(second.userCode, ALICE).outcome).toBe('locked');
    expect(store.poll(decided.deviceCode, 'my-cli')).toEqual({ outcome: 'access_denied' });
  });

  it('counts retrying a locked code against the codes sharing its first half only', () => {
    const { store } = storeAt({ maxWrongCodesPerWindow: 100, randomUserCode: drawing('CDFGHJKL', 'DDDDDDDD') });
    const locked = issue(store);
    wrongCodes(store, 5, locked);
    const other = issue(store);
    expect(Array.from({ length: 10 }, () => store.activate(locked.userCode, ALICE).outcome)).toEqual(Array(10).fill('locked'));
    expect(store.activate(other.userCode, ALICE).outcome).toBe('decided');
  });
});
