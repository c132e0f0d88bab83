import { MAX_ASSERTION_LIFETIME_SECONDS } from '../../../lambdas/api-definition';
import { SigningKeyLoader } from '../../../lambdas/domain/signing-key-loader';
import { DEFAULT_MAX_AGE_MS } from '../../../lambdas/domain/signing-key-timing';
import {
  activeKey,
  KEY_ACTIVATION_DELAY_MS,
  MAX_SIGNING_KEYS,
  publicJwks,
  RETIRED_KEY_KEPT_MS,
  rotatedKeySet,
  signingKeys,
  type SigningKeySet,
} from '../../../lambdas/domain/signing-keys';
import { ASSERTION_SETTINGS } from '../../../lambdas/settings/sections/assertion';

/**
 * Rotations close together (a deploy that changes the schedule rotates at
 * once; so can an operator) must never drop a key a warm authorizer still
 * signs with. A fake clock, the real loader and the real key sets.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const kids = (set: SigningKeySet) => set.keys.map((key) => key.kid);
const published = (set: SigningKeySet) => publicJwks(set).keys.map((key) => key.kid);

/** The set as Secrets Manager holds it, and a warm authorizer instance reading it through the deployed loader's defaults. */
function world(initial: SigningKeySet) {
  let now = T0;
  let secret = initial;
  const loader = new SigningKeyLoader({ load: () => Promise.resolve(secret), now: () => now });
  return {
    loader,
    at: (ms: number) => {
      now = ms;
    },
    rotate: () => {
      secret = rotatedKeySet(secret, new Date(now));
      return secret;
    },
    secret: () => secret,
  };
}

describe('how long a replaced signing key stays published', () => {
  it('is derived from the loader’s maximum key age and the longest assertion lifetime, so neither can drift', () => {
    expect(RETIRED_KEY_KEPT_MS).toBe(DEFAULT_MAX_AGE_MS + MAX_ASSERTION_LIFETIME_SECONDS * 1000);
    expect(RETIRED_KEY_KEPT_MS).toBe(6 * HOUR + 61 * MINUTE);
    // The lifetime setting cannot exceed what the pruning assumes.
    expect(ASSERTION_SETTINGS.assertionLifetimeSeconds.kind.fromText(String(MAX_ASSERTION_LIFETIME_SECONDS + 1), {})).toMatchObject({
      ok: false,
    });
  });

  it('two rotations ten minutes apart: the key a warm instance still signs with stays in the JWKS', async () => {
    const first = rotatedKeySet(undefined, new Date(T0 - 30 * 24 * HOUR));
    const w = world(first);
    w.at(T0 - MINUTE);
    const k0 = (await w.loader.key()).kid; // loaded warm, before any rotation
    expect(k0).toBe(first.keys[0]!.kid);

    w.at(T0);
    const afterFirst = w.rotate();
    const k1 = afterFirst.keys[0]!.kid;
    w.at(T0 + 10 * MINUTE);
    const afterSecond = w.rotate();
    const k2 = afterSecond.keys[0]!.kid;
    expect(kids(afterSecond)).toEqual([k2, k1, k0]);

    // The warm instance has not reloaded yet (it does hourly): it still signs with k0, which backends can still find.
    w.at(T0 + 20 * MINUTE);
    expect((await w.loader.key()).kid).toBe(k0);
    expect(published(afterSecond)).toContain(k0);

    // After its hourly reload it has all three, and signs with the newest active one: k0 until k1's hour is up, never k2 early.
    w.at(T0 + 70 * MINUTE);
    await w.loader.key();
    await new Promise((resolve) => setImmediate(resolve));
    w.at(T0 + KEY_ACTIVATION_DELAY_MS - 1);
    expect((await w.loader.key()).kid).toBe(k0);
    w.at(T0 + KEY_ACTIVATION_DELAY_MS);
    expect((await w.loader.key()).kid).toBe(k1);
    w.at(T0 + 10 * MINUTE + KEY_ACTIVATION_DELAY_MS);
    expect((await w.loader.key()).kid).toBe(k2);
  });

  it('prunes a key once its successor has been active longer than RETIRED_KEY_KEPT_MS, and not a moment before', () => {
    const first = rotatedKeySet(undefined, new Date(T0 - 30 * 24 * HOUR));
    const afterFirst = rotatedKeySet(first, new Date(T0));
    const k1ActiveFrom = T0 + KEY_ACTIVATION_DELAY_MS;
    const [k1, k0] = kids(afterFirst);

    const justInTime = rotatedKeySet(afterFirst, new Date(k1ActiveFrom + RETIRED_KEY_KEPT_MS));
    expect(kids(justInTime).slice(1)).toEqual([k1, k0]);
    const later = rotatedKeySet(afterFirst, new Date(k1ActiveFrom + RETIRED_KEY_KEPT_MS + 1));
    expect(kids(later).slice(1)).toEqual([k1]);
    expect(published(later)).not.toContain(k0);
  });

  it('a scheduled rotation (30 days on) keeps exactly the key it replaces, as before', () => {
    let set = rotatedKeySet(undefined, new Date(T0));
    for (let i = 1; i <= 4; i += 1) {
      const previousNewest = set.keys[0]!.kid;
      set = rotatedKeySet(set, new Date(T0 + i * 30 * 24 * HOUR));
      expect(kids(set)).toEqual([set.keys[0]!.kid, previousNewest]);
    }
  });

  it(`caps the set at ${MAX_SIGNING_KEYS} keys, dropping the oldest retired key first and keeping the one signing now`, () => {
    // Rotations every 2 hours by hand: each successor is active, none long enough for pruning.
    let set = rotatedKeySet(undefined, new Date(T0));
    const made = [set.keys[0]!.kid];
    for (let i = 1; i <= 6; i += 1) {
      set = rotatedKeySet(set, new Date(T0 + i * 2 * HOUR));
      made.unshift(set.keys[0]!.kid);
      expect(set.keys.length).toBeLessThanOrEqual(MAX_SIGNING_KEYS);
    }
    expect(kids(set)).toEqual(made.slice(0, MAX_SIGNING_KEYS));
    // The key signing at the last rotation (made by the one before) is still there.
    expect(activeKey(signingKeys(set), T0 + 12 * HOUR).kid).toBe(made[1]);

    // Six rotations within an hour: the one active key (the first) is kept; the oldest pending ones make room.
    let burst = rotatedKeySet(undefined, new Date(T0));
    const firstKid = burst.keys[0]!.kid;
    for (let i = 1; i <= 6; i += 1) burst = rotatedKeySet(burst, new Date(T0 + i * MINUTE));
    expect(burst.keys).toHaveLength(MAX_SIGNING_KEYS);
    expect(activeKey(signingKeys(burst), T0 + 7 * MINUTE).kid).toBe(firstKid);
  });
});

describe('the key the signer picks', () => {
  const set = rotatedKeySet(rotatedKeySet(undefined, new Date(T0)), new Date(T0 + HOUR));
  const [pending, current] = signingKeys(set) as [ReturnType<typeof signingKeys>[0], ReturnType<typeof signingKeys>[0]];

  it('never one whose activeFrom is ahead while another is active, whatever the order of the set', () => {
    const now = T0 + HOUR + MINUTE;
    expect(pending.activeFrom).toBeGreaterThan(now);
    expect(activeKey([pending, current], now).kid).toBe(current.kid);
    expect(activeKey([current, pending], now).kid).toBe(current.kid);
  });

  it('the newest active one once several are', () => {
    const now = T0 + 2 * HOUR;
    expect(activeKey([current, pending], now).kid).toBe(pending.kid);
    expect(activeKey([pending, current], now).kid).toBe(pending.kid);
  });

  it('with none active yet (clock skew on the first key), the one that becomes active first', () => {
    expect(activeKey([pending, current], T0 - MINUTE).kid).toBe(current.kid);
    expect(activeKey([current, pending], T0 - MINUTE).kid).toBe(current.kid);
  });
});
