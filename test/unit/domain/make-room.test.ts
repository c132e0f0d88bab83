import { makeRoom } from '../../../lambdas/domain/make-room';
import { ExpiringCache } from '../../../lambdas/domain/expiring-cache';

const filled = (count: number): Map<string, number> => new Map(Array.from({ length: count }, (_, i) => [`k${i}`, i]));

describe('makeRoom', () => {
  it('leaves a map below its bound alone', () => {
    const map = filled(31);
    makeRoom(map, 32);
    expect([...map.keys()]).toEqual([...filled(31).keys()]);
  });

  it('drops the oldest sixteenth of the bound at once when full, keeping the rest in order', () => {
    const map = filled(32);
    makeRoom(map, 32);
    expect([...map.keys()]).toEqual([...filled(32).keys()].slice(2));
  });

  it('drops at least one, and enough to get below a bound the map was already over', () => {
    const small = filled(3);
    makeRoom(small, 3);
    expect([...small.keys()]).toEqual(['k1', 'k2']);
    const over = filled(40);
    makeRoom(over, 32);
    expect(over.size).toBe(31);
    expect(over.has('k8')).toBe(false);
    expect(over.has('k9')).toBe(true);
  });

  it('keeps a cache fed distinct keys at its bound, the newest always kept', () => {
    const cache = new ExpiringCache<number>(1_000, () => 0);
    for (let i = 0; i < 4_000; i += 1) {
      cache.set(`garbage-${i}`, i, 60_000);
      expect(cache.size).toBeLessThanOrEqual(1_000);
      expect(cache.get(`garbage-${i}`)).toBe(i);
    }
    expect(cache.size).toBeGreaterThan(1_000 - 1_000 / 16 - 1);
    expect(cache.get('garbage-0')).toBeUndefined();
  });
});
