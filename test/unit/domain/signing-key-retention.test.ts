import { MAX_ASSERTION_LIFETIME_SECONDS } from '../../../lambdas/api-definition';
import { SigningKeyLoader } from '../../../lambdas/domain/signing-key-loader';
import { DEFAULT_MAX_AGE_MS } from '../../../lambdas/domain/signing-key-timing';
import {
  activeKey,
  generateSigningKey,
  KEY_ACTIVATION_DELAY_MS,
  MAX_SIGNING_KEYS,
  PUBLIC_JWK_BYTES,
  publicJwks,
  RETIRED_KEY_KEPT_MS,
  rotatedKeySet,
  SigningKeySetFullError,
  signingKeys,
  SSM_STANDARD_VALUE_BYTES,
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

  it('rotations ten minutes apart: every key a holder of the previous set could pick stays published in the next', () => {
    // A holder loaded a set while it was current (from `from` until `until`) and signs with activeKey of it until its
    // keys are DEFAULT_MAX_AGE_MS old; what it signs is valid MAX_ASSERTION_LIFETIME_SECONDS more. Every kid it could
    // pick from `nextAt - lifetime` on must be in the next set. For the previous set: from its making to nextAt + max age.
    const LIFETIME_MS = MAX_ASSERTION_LIFETIME_SECONDS * 1000;
    const missingFrom = (held: SigningKeySet, from: number, until: number, next: SigningKeySet, nextAt: number) => {
      const keys = signingKeys(held);
      const times = new Set<number>();
      for (let t = from; t <= until + DEFAULT_MAX_AGE_MS; t += MINUTE) times.add(t);
      for (const key of keys) times.add(key.activeFrom).add(key.activeFrom - 1);
      const picked = [...times]
        .filter((t) => t >= from && t >= nextAt - LIFETIME_MS && t <= until + DEFAULT_MAX_AGE_MS)
        .map((t) => activeKey(keys, t).kid);
      return [...new Set(picked)].filter((kid) => !published(next).includes(kid));
    };
    const history: { set: SigningKeySet; at: number }[] = [];
    const stillPublished = (prev: SigningKeySet, prevAt: number, next: SigningKeySet, nextAt: number) => {
      history.push({ set: prev, at: prevAt });
      // The previous set (held from its making until now), as the review asked ...
      expect(missingFrom(prev, prevAt, nextAt, next, nextAt)).toEqual([]);
      // ... and every older one some instance may still hold (loaded while it was current, at most max age ago).
      history.slice(0, -1).forEach(({ set: older, at: olderAt }, i) => {
        const replacedAt = history[i + 1]!.at;
        if (replacedAt + DEFAULT_MAX_AGE_MS + LIFETIME_MS >= nextAt)
          expect(missingFrom(older, olderAt, replacedAt, next, nextAt)).toEqual([]);
      });
    };

    let at = T0 - 30 * 24 * HOUR;
    let set = rotatedKeySet(undefined, new Date(at));
    const sets = [set];
    let refusals = 0;
    // 40 rotations asked for 10 minutes apart; one refused (the cap) waits until the time it names and is asked again.
    for (let i = 0, next = T0; i < 40; i += 1, next += 10 * MINUTE) {
      let made: SigningKeySet;
      try {
        made = rotatedKeySet(set, new Date(Math.max(next, at)));
      } catch (error) {
        expect(error).toBeInstanceOf(SigningKeySetFullError);
        expect(set.keys).toHaveLength(MAX_SIGNING_KEYS); // refused only when every place is taken by a key in use
        expect((error as Error).message).toMatch(/still in use.*wait until .* and rotate again/);
        refusals += 1;
        next = Math.max(next, (error as SigningKeySetFullError).retryAfter.getTime());
        made = rotatedKeySet(set, new Date(next));
      }
      const madeAt = Math.max(next, at);
      expect(made.keys.length).toBeLessThanOrEqual(MAX_SIGNING_KEYS);
      stillPublished(set, at, made, madeAt);
      [set, at] = [made, madeAt];
      sets.push(set);
    }
    expect(refusals).toBeGreaterThan(0); // the cap did bind

    // The review's case: five rotations 10 minutes apart (B..F). An authorizer that loaded the fourth set at t=35 min
    // signs with B from t=60 min; the fifth set (t=40 min) must still publish B.
    const [fourth, fifth] = [sets[4]!, sets[5]!];
    const b = sets[1]!.keys[0]!.kid;
    expect(activeKey(signingKeys(fourth), T0 + 60 * MINUTE).kid).toBe(b);
    expect(published(fifth)).toContain(b);
  });

  it(`holds at most ${MAX_SIGNING_KEYS} keys: what a standard SSM parameter (4 KB) holds, measured on real keys, with margin`, () => {
    const now = new Date(T0);
    const full: SigningKeySet = { v: 1, keys: Array.from({ length: MAX_SIGNING_KEYS }, () => generateSigningKey(now)) };
    const jwks = publicJwks(full);
    for (const jwk of jwks.keys) expect(Buffer.byteLength(JSON.stringify(jwk)) + 1).toBeLessThanOrEqual(PUBLIC_JWK_BYTES);
    expect(Buffer.byteLength(JSON.stringify(jwks.keys[0]))).toBeGreaterThan(190); // not the ~70 bytes once assumed
    const bytes = Buffer.byteLength(JSON.stringify(jwks));
    expect(bytes).toBeLessThanOrEqual(0.75 * SSM_STANDARD_VALUE_BYTES);
    expect(SSM_STANDARD_VALUE_BYTES).toBe(4096);
    expect(MAX_SIGNING_KEYS).toBeGreaterThanOrEqual(10);
  });

  it('refuses, and drops nothing, when a rotation would need more places than the cap', () => {
    let set = rotatedKeySet(undefined, new Date(T0));
    for (let i = 1; i < MAX_SIGNING_KEYS; i += 1) set = rotatedKeySet(set, new Date(T0 + i * MINUTE));
    expect(set.keys).toHaveLength(MAX_SIGNING_KEYS);
    const attempt = () => rotatedKeySet(set, new Date(T0 + MAX_SIGNING_KEYS * MINUTE));
    expect(attempt).toThrow(SigningKeySetFullError);
    // The oldest key goes once its successor has been active RETIRED_KEY_KEPT_MS: the time the error names.
    const retryAfter = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as SigningKeySetFullError).retryAfter.getTime();
      }
      throw new Error('no refusal');
    })();
    expect(retryAfter).toBe(T0 + MINUTE + KEY_ACTIVATION_DELAY_MS + RETIRED_KEY_KEPT_MS + 1);
    expect(() => rotatedKeySet(set, new Date(retryAfter - 1))).toThrow(SigningKeySetFullError);
    const after = rotatedKeySet(set, new Date(retryAfter));
    expect(kids(after).slice(1)).toEqual(kids(set).slice(0, -1));
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
