import { parseExpires } from '../../../cli/expiry';
import { colorsFor, keyTable, relativeTime, table } from '../../../cli/output';
import { CliError } from '../../../cli/errors';

const NOW = new Date('2026-06-01T12:00:00.000Z');

describe('--expires', () => {
  it.each([
    ['30d', '2026-07-01T12:00:00.000Z'],
    ['12h', '2026-06-02T00:00:00.000Z'],
    ['2w', '2026-06-15T12:00:00.000Z'],
    ['90m', '2026-06-01T13:30:00.000Z'],
    ['2027-01-31', '2027-01-31T00:00:00.000Z'],
    ['2027-01-31T08:30:00+02:00', '2027-01-31T06:30:00.000Z'],
  ])('reads %s', (input, expected) => {
    expect(parseExpires(input, NOW)).toBe(expected);
  });

  it.each(['', '30', '30y', '0d', 'tomorrow', '2027-13-01', '2027-01-31T08:30:00', '-5d'])('refuses %j with a usage error naming the forms', (input) => {
    let error: unknown;
    try {
      parseExpires(input, NOW);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
    expect((error as CliError).message).toMatch(/--expires/);
  });
});

describe('output', () => {
  it('says times relative to now', () => {
    expect(relativeTime('2026-09-01T12:00:00.000Z', NOW)).toBe('in 3 months');
    expect(relativeTime('2026-05-30T12:00:00.000Z', NOW)).toBe('2 days ago');
    expect(relativeTime('2026-06-01T12:00:00.000Z', NOW)).toBe('now');
  });

  it('aligns columns, ignoring colour codes', () => {
    const colors = colorsFor({ isTTY: true }, {});
    const text = table(['A', 'B'], [[colors.green('x'), 'y'], ['longer', 'z']], colors);
    const plain = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
    expect(plain).toEqual(['A       B', 'x       y', 'longer  z']);
  });

  it('colours only on a terminal, and never with NO_COLOR', () => {
    const keys = [{ id: 'k1', name: 'ci', scopes: [], createdAt: NOW.toISOString(), expiresAt: NOW.toISOString(), status: 'active' as const }];
    expect(keyTable(keys, NOW, colorsFor({ isTTY: true }, {}))).toContain('\u001b[');
    expect(keyTable(keys, NOW, colorsFor({ isTTY: false }, {}))).not.toContain('\u001b[');
    expect(keyTable(keys, NOW, colorsFor({ isTTY: true }, { NO_COLOR: '1' }))).not.toContain('\u001b[');
  });

  it('lists keys as a table with a header, and says so when there are none', () => {
    const colors = colorsFor({}, {});
    const text = keyTable(
      [{ id: 'abc', name: 'deploy', scopes: ['read', 'write'], createdAt: '2026-05-01T12:00:00.000Z', expiresAt: '2026-08-01T12:00:00.000Z', status: 'revoked' }],
      NOW,
      colors,
    );
    const [header, row] = text.split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED$/);
    expect(row).toMatch(/^abc\s+deploy\s+revoked\s+read,write\s+last month\s+in 2 months\s+-$/);
    expect(keyTable([], NOW, colors)).toMatch(/No keys yet/);
  });
});
