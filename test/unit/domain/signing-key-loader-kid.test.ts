import { DEFAULT_MAX_AGE_MS, SigningKeyLoader, tokenKeySource, UNKNOWN_KID_RELOAD_MS } from '../../../lambdas/domain/signing-key-loader';
import { rotatedKeySet, type SigningKeySet } from '../../../lambdas/domain/signing-keys';

const T0 = new Date('2026-06-01T12:00:00.000Z').getTime();
const firstSet = rotatedKeySet(undefined, new Date(T0));
const FIRST_KID = firstSet.keys[0]!.kid;
// A rotation made later: a new (pending) key first, the first one kept.
const rotatedSet = rotatedKeySet(firstSet, new Date(T0 + 30 * 60_000));
const NEW_KID = rotatedSet.keys[0]!.kid;
const MADE_UP_KIDS = Array.from({ length: 200 }, (_, i) => `made-up-kid-${i}`);

let nowMs: number;
let secret: SigningKeySet;
let failWith: Error | undefined;
let load: jest.Mock<Promise<SigningKeySet>, []>;

beforeEach(() => {
  nowMs = T0;
  secret = firstSet;
  failWith = undefined;
  load = jest.fn(() => (failWith === undefined ? Promise.resolve(secret) : Promise.reject(failWith)));
});

const loader = (options: { maxAgeMs?: number } = {}) =>
  new SigningKeyLoader({
    load,
    now: () => nowMs,
    refreshAfterMs: 60 * 60_000,
    ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
  });

describe('SigningKeyLoader.keyByKid', () => {
  it('finds a loaded key without reloading', async () => {
    const keys = loader();
    await keys.key();
    expect(load).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i += 1) {
      nowMs += 5 * 60_000;
      await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
    }
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads the set when nothing is loaded yet, once', async () => {
    const keys = loader();
    await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID, macKey: expect.anything() });
    await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reloads once for an unknown kid and finds a key added since', async () => {
    const keys = loader();
    await keys.key();
    secret = rotatedSet;
    nowMs += UNKNOWN_KID_RELOAD_MS;
    await expect(keys.keyByKid(NEW_KID)).resolves.toMatchObject({ kid: NEW_KID });
    expect(load).toHaveBeenCalledTimes(2);
    // Now in hand: found again without a read.
    await expect(keys.keyByKid(NEW_KID)).resolves.toMatchObject({ kid: NEW_KID });
    await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('answers undefined for a kid the reloaded set does not have either', async () => {
    const keys = loader();
    await keys.key();
    nowMs += UNKNOWN_KID_RELOAD_MS;
    await expect(keys.keyByKid('no-such-kid')).resolves.toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not reload for an unknown kid within a minute of the last load (the set in hand is that fresh)', async () => {
    const keys = loader();
    await keys.key();
    nowMs += UNKNOWN_KID_RELOAD_MS - 1;
    await expect(keys.keyByKid('no-such-kid')).resolves.toBeUndefined();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reloads at most once a minute for a flood of unknown kids, one after another', async () => {
    const keys = loader();
    await keys.key();
    nowMs += 2 * UNKNOWN_KID_RELOAD_MS;
    const floodStart = nowMs;
    for (const kid of MADE_UP_KIDS) {
      await expect(keys.keyByKid(kid)).resolves.toBeUndefined();
      nowMs += 250; // 200 lookups over 50 s
    }
    expect(nowMs - floodStart).toBeLessThan(UNKNOWN_KID_RELOAD_MS);
    expect(load).toHaveBeenCalledTimes(2);
    // A minute after that reload, the next unknown kid reloads once more.
    nowMs = floodStart + UNKNOWN_KID_RELOAD_MS;
    await expect(keys.keyByKid('yet-another-kid')).resolves.toBeUndefined();
    await expect(keys.keyByKid('and-another-kid')).resolves.toBeUndefined();
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('reloads at most once for a flood of unknown kids arriving at the same moment', async () => {
    const keys = loader();
    await keys.key();
    nowMs += 2 * UNKNOWN_KID_RELOAD_MS;
    const found = await Promise.all(MADE_UP_KIDS.map((kid) => keys.keyByKid(kid)));
    expect(found.every((key) => key === undefined)).toBe(true);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('still finds known kids without a read during a flood of unknown ones', async () => {
    const keys = loader();
    await keys.key();
    nowMs += 2 * UNKNOWN_KID_RELOAD_MS;
    await keys.keyByKid('made-up');
    for (let i = 0; i < 20; i += 1) await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('rejects when the first load fails, rather than answering undefined, and tries again next time', async () => {
    const keys = loader();
    failWith = new Error('Secrets Manager is unreachable');
    await expect(keys.keyByKid(FIRST_KID)).rejects.toBe(failWith);
    failWith = undefined;
    await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('answers undefined to every lookup that waited on a failed reload, while the keys in hand are good', async () => {
    const keys = loader();
    await keys.key();
    nowMs += UNKNOWN_KID_RELOAD_MS;
    failWith = new Error('throttled');
    const lookups = await Promise.allSettled([keys.keyByKid(NEW_KID), keys.keyByKid(MADE_UP_KIDS[0]!), keys.keyByKid(MADE_UP_KIDS[1]!)]);
    expect(lookups).toEqual(lookups.map(() => ({ status: 'fulfilled', value: undefined })));
  });

  it('answers undefined (a refusal, not a fault) when the reload for an unknown kid fails while the keys in hand are good', async () => {
    const keys = loader();
    await keys.key();
    nowMs += UNKNOWN_KID_RELOAD_MS;
    failWith = new Error('throttled');
    await expect(keys.keyByKid(NEW_KID)).resolves.toBeUndefined();
    // The keys in hand stay in use for known kids.
    await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
  });

  it('counts a failed reload against the minute too: a flood during an outage is not a flood of reads', async () => {
    const keys = loader();
    await keys.key();
    nowMs += UNKNOWN_KID_RELOAD_MS;
    failWith = new Error('throttled');
    for (const kid of MADE_UP_KIDS) await expect(keys.keyByKid(kid)).resolves.toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
    nowMs += UNKNOWN_KID_RELOAD_MS;
    failWith = undefined;
    secret = rotatedSet;
    await expect(keys.keyByKid(NEW_KID)).resolves.toMatchObject({ kid: NEW_KID });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('reloads keys older than the max age before answering, even for a kid they hold', async () => {
    const keys = loader();
    await keys.key();
    secret = rotatedSet;
    nowMs += DEFAULT_MAX_AGE_MS - 1;
    await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
    expect(load).toHaveBeenCalledTimes(1);
    nowMs += 1;
    await expect(keys.keyByKid(FIRST_KID)).resolves.toMatchObject({ kid: FIRST_KID });
    expect(load).toHaveBeenCalledTimes(2);
    await expect(keys.keyByKid(NEW_KID)).resolves.toMatchObject({ kid: NEW_KID });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('fails closed past the max age: a failed reload rejects even for a kid the stale set holds', async () => {
    const keys = loader({ maxAgeMs: 10 * 60_000 });
    await keys.key();
    nowMs += 10 * 60_000;
    failWith = new Error('unreachable');
    await expect(keys.keyByKid(FIRST_KID)).rejects.toBe(failWith);
  });

  it('shares one load between concurrent lookups before anything is loaded', async () => {
    const keys = loader();
    const found = await Promise.all([keys.keyByKid(FIRST_KID), keys.keyByKid(FIRST_KID), keys.key()]);
    expect(found.map((key) => key?.kid)).toEqual([FIRST_KID, FIRST_KID, FIRST_KID]);
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe('tokenKeySource over a SigningKeyLoader', () => {
  it('mints with the key signing now and looks up by kid, over the same loads', async () => {
    const keys = loader();
    const source = tokenKeySource(keys);
    const current = await source.current();
    expect(current.kid).toBe(FIRST_KID);
    await expect(source.byKid(FIRST_KID)).resolves.toBe(current);
    expect(load).toHaveBeenCalledTimes(1);
  });
});
