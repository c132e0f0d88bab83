import { CLOCK_SKEW_MARGIN_MS, expiryFor } from '../../../console/src/expiry';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-12-02T10:00:00Z');

describe("the console's expiry choices", () => {
  it('gives a preset its days, and a preset at the maximum a margin for a browser clock ahead of the API', () => {
    expect(expiryFor('days:30', '', NOW, 365)?.getTime()).toBe(NOW.getTime() + 30 * DAY_MS);
    // The API refuses an expiresAt later than its own now + MAX_KEY_LIFETIME_DAYS: a clock a minute ahead must still fit.
    const atMax = expiryFor('days:365', '', NOW, 365)!.getTime();
    expect(atMax).toBe(NOW.getTime() + 365 * DAY_MS - CLOCK_SKEW_MARGIN_MS);
    expect(atMax).toBeLessThan(NOW.getTime() - 60_000 + 365 * DAY_MS);
  });

  it('takes a date as the end of that day, refuses one in the past and caps one beyond the maximum', () => {
    const end = expiryFor('date', '2027-01-31', NOW, 365)!;
    expect([end.getFullYear(), end.getMonth() + 1, end.getDate(), end.getHours()]).toEqual([2027, 1, 31, 23]);
    expect(expiryFor('date', '2026-01-01', NOW, 365)).toBeUndefined();
    expect(expiryFor('date', 'not a date', NOW, 365)).toBeUndefined();
    expect(expiryFor('date', '2030-01-01', NOW, 30)?.getTime()).toBe(NOW.getTime() + 30 * DAY_MS - CLOCK_SKEW_MARGIN_MS);
  });
});
