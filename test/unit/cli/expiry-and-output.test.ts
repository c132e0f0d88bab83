import { stripVTControlCharacters } from 'node:util';
import type { AuditEventView, KeyView, RotatedKey } from '../../../cli/api-client';
import { parseStatuses } from '../../../cli/commands/keys';
import { parseExpires, parseGracePeriod } from '../../../cli/expiry';
import {
  colorsFor,
  eventDetails,
  eventTable,
  keyDetails,
  keyTable,
  printable,
  relativeTime,
  replacedKeyNote,
  rotatedKeyDetails,
  table,
} from '../../../cli/output';
import { CliError } from '../../../cli/errors';

/** The usage error `fn` throws. */
function usageError(fn: () => unknown): CliError {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode).toBe(1);
  return error as CliError;
}

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

  it.each(['', '30', '30y', '0d', 'tomorrow', '2027-13-01', '2027-01-31T08:30:00', '-5d'])(
    'refuses %j with a usage error naming the forms',
    (input) => {
      let error: unknown;
      try {
        parseExpires(input, NOW);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(1);
      expect((error as CliError).message).toMatch(/--expires/);
    },
  );
});

describe('output', () => {
  it('says times relative to now', () => {
    expect(relativeTime('2026-09-01T12:00:00.000Z', NOW)).toBe('in 3 months');
    expect(relativeTime('2026-05-30T12:00:00.000Z', NOW)).toBe('2 days ago');
    expect(relativeTime('2026-06-01T12:00:00.000Z', NOW)).toBe('now');
  });

  it('aligns columns, ignoring colour codes', () => {
    const colors = colorsFor({ isTTY: true }, {});
    const text = table(
      ['A', 'B'],
      [
        [colors.green('x'), 'y'],
        ['longer', 'z'],
      ],
      colors,
    );
    const plain = stripVTControlCharacters(text).split('\n');
    expect(plain).toEqual(['A       B', 'x       y', 'longer  z']);
  });

  it('colours only on a terminal, and never with NO_COLOR', () => {
    const keys = [
      {
        id: 'k1',
        name: 'ci',
        scopes: [],
        createdAt: NOW.toISOString(),
        expiresAt: NOW.toISOString(),
        status: 'active' as const,
        enabled: true,
      },
    ];
    expect(keyTable(keys, NOW, colorsFor({ isTTY: true }, {}))).toContain('\u001b[');
    expect(keyTable(keys, NOW, colorsFor({ isTTY: false }, {}))).not.toContain('\u001b[');
    expect(keyTable(keys, NOW, colorsFor({ isTTY: true }, { NO_COLOR: '1' }))).not.toContain('\u001b[');
  });

  it('lists keys as a table with a header, and says so when there are none', () => {
    const colors = colorsFor({}, {});
    const text = keyTable(
      [
        {
          id: 'abc',
          name: 'deploy',
          scopes: ['read', 'write'],
          createdAt: '2026-05-01T12:00:00.000Z',
          expiresAt: '2026-08-01T12:00:00.000Z',
          status: 'revoked',
          enabled: true,
          revokedAt: '2026-05-31T12:00:00.000Z',
        },
      ],
      NOW,
      colors,
    );
    const [header, row] = text.split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED$/);
    expect(row).toMatch(/^abc\s+deploy\s+revoked\s+read,write\s+last month\s+in 2 months\s+-$/);
    expect(keyTable([], NOW, colors)).toMatch(/No keys yet/);
    expect(keyTable([], NOW, colors, ['disabled', 'rotated'])).toBe('No keys with status disabled or rotated.');
  });

  it('shows the new states in the table', () => {
    const colors = colorsFor({}, {});
    const base = { name: 'n', scopes: [], createdAt: '2026-05-01T12:00:00.000Z', expiresAt: '2026-08-01T12:00:00.000Z' };
    const text = keyTable(
      [
        { ...base, id: 'k1', status: 'disabled', enabled: false, disabledAt: '2026-05-02T12:00:00.000Z' },
        { ...base, id: 'k2', status: 'rotated', enabled: true, replacedBy: 'k3' },
      ],
      NOW,
      colors,
    );
    expect(text.split('\n').slice(1)).toEqual([
      expect.stringMatching(/^k1\s+n\s+disabled\s/),
      expect.stringMatching(/^k2\s+n\s+rotated\s/),
    ]);
  });
});

describe('--grace', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    [' 7d ', 604_800],
    ['1w', 604_800],
    ['604800s', 604_800],
  ])('reads %j as %d seconds', (input, seconds) => {
    expect(parseGracePeriod(input)).toBe(seconds);
  });

  it.each(['', '90', '1.5h', '-1h', '1y', 'soon', '1h30m', '00'])('refuses %j with a usage error naming the forms', (input) => {
    expect(usageError(() => parseGracePeriod(input)).message).toMatch(/--grace takes 0 or a duration such as 90s, 30m, 1h or 7d/);
  });

  it.each(['8d', '604801s', '2w', '169h'])('refuses %j: more than 7 days', (input) => {
    expect(usageError(() => parseGracePeriod(input)).message).toMatch(/--grace must be at most 7d/);
  });

  it('leaves --expires as it was: no seconds', () => {
    expect(usageError(() => parseExpires('90s', NOW)).message).toMatch(/--expires/);
  });
});

describe('--status', () => {
  it('takes repeated and comma-separated states, dropping duplicates', () => {
    expect(parseStatuses(['active'])).toEqual(['active']);
    expect(parseStatuses(['active,disabled', 'Rotated', 'active'])).toEqual(['active', 'disabled', 'rotated']);
  });

  it.each([['paused'], ['active,'], ['']])('refuses %j, naming the states', (value) => {
    expect(usageError(() => parseStatuses([value])).message).toMatch(/--status takes active, disabled, rotated, expired, revoked/);
  });
});

describe('key details', () => {
  const colors = colorsFor({}, {});
  const key: KeyView = {
    id: 'k1',
    name: 'ci',
    scopes: ['read'],
    createdAt: '2026-05-01T12:00:00.000Z',
    expiresAt: '2026-08-01T12:00:00.000Z',
    status: 'active',
    enabled: true,
  };

  it('shows an ordinary key as before', () => {
    expect(keyDetails(key, NOW, colors).split('\n')).toEqual([
      'id        k1',
      'name      ci',
      'status    active',
      'scopes    read',
      'created   2026-05-01T12:00:00.000Z (last month)',
      'expires   2026-08-01T12:00:00.000Z (in 2 months)',
      'last used never',
    ]);
  });

  it('shows when a key was disabled, rotated or revoked, and the keys before and after it', () => {
    const text = keyDetails(
      {
        ...key,
        status: 'disabled',
        enabled: false,
        disabledAt: '2026-05-31T12:00:00.000Z',
        rotatedAt: '2026-06-01T11:00:00.000Z',
        replacedBy: 'k2',
        rotatedFrom: 'k0',
        revokedAt: '2026-06-01T11:30:00.000Z',
      },
      NOW,
      colors,
    );
    expect(text).toContain('status        disabled\n');
    expect(text).toContain('disabled      2026-05-31T12:00:00.000Z (yesterday)');
    expect(text).toContain('rotated       2026-06-01T11:00:00.000Z (1 hour ago)');
    expect(text).toContain('replaced by   k2');
    expect(text).toContain('rotated from  k0');
    expect(text).toContain('revoked       2026-06-01T11:30:00.000Z (30 minutes ago)');
  });
});

describe('rotated key output', () => {
  const colors = colorsFor({}, {});
  const rotated: RotatedKey = {
    id: 'new',
    key: 'uak_new_secret',
    name: 'ci',
    scopes: ['read'],
    createdAt: NOW.toISOString(),
    expiresAt: '2026-08-01T12:00:00.000Z',
    rotatedFrom: 'old',
    replaced: { id: 'old', expiresAt: '2026-06-01T13:00:00.000Z' },
  };

  it('says until when the old key keeps working, or that it stopped', () => {
    expect(replacedKeyNote(rotated, NOW)).toBe('The old key old keeps working until 2026-06-01T13:00:00.000Z (in 1 hour).');
    expect(replacedKeyNote({ ...rotated, replaced: { id: 'old', expiresAt: NOW.toISOString() } }, NOW)).toBe(
      'The old key old no longer works.',
    );
  });

  it('shows the new key last, once, after its details and the old key’s fate', () => {
    const lines = rotatedKeyDetails(rotated, NOW, colors).split('\n');
    expect(lines).toContain('rotated from  old');
    expect(lines).toContain('The old key old keeps working until 2026-06-01T13:00:00.000Z (in 1 hour).');
    expect(lines.at(-1)).toBe('uak_new_secret');
    expect(lines.filter((line) => line.includes('uak_new_secret'))).toHaveLength(1);
  });
});

describe('event table', () => {
  const colors = colorsFor({}, {});
  const event = (type: AuditEventView['type'], at: string, details?: Record<string, string>): AuditEventView => ({
    type,
    actor: 'auth0|alice',
    at,
    sourceIp: '203.0.113.7',
    userAgent: 'apikey-cli (node v22.0.0)',
    ...(details ? { details } : {}),
  });

  it('lists events in the order given, with relative times and details in words', () => {
    const text = eventTable(
      [
        event('rename', '2026-06-01T11:59:00.000Z', { from: 'ci', to: 'deploy' }),
        event('rotate', '2026-06-01T11:00:00.000Z', { replacedBy: 'k2', graceEndsAt: '2026-06-01T12:00:00.000Z' }),
        event('create', '2026-05-30T12:00:00.000Z'),
      ],
      NOW,
      colors,
    );
    const [header, ...rows] = text.split('\n');
    expect(header).toMatch(/^WHEN\s+TYPE\s+ACTOR\s+SOURCE IP\s+USER AGENT\s+DETAILS$/);
    expect(rows).toEqual([
      expect.stringMatching(/^1 minute ago\s+rename\s+auth0\|alice\s+203\.0\.113\.7\s+apikey-cli \(node v22\.0\.0\)\s+"ci" → "deploy"$/),
      expect.stringMatching(/^1 hour ago\s+rotate\s+.*replaced by k2, old key works until 2026-06-01T12:00:00\.000Z$/),
      expect.stringMatching(/^2 days ago\s+create\s+auth0\|alice\s+203\.0\.113\.7\s+apikey-cli \(node v22\.0\.0\)\s+-$/),
    ]);
    expect(eventTable([], NOW, colors)).toBe('No events recorded for this key.');
  });

  it('names unknown details as name=value, and shows a missing source as -', () => {
    expect(eventDetails(event('create', NOW.toISOString(), { rotatedFrom: 'k0' }))).toBe('rotated from k0');
    expect(eventDetails(event('disable', NOW.toISOString(), { reason: 'leak', by: 'ops' }))).toBe('reason=leak, by=ops');
    const row = eventTable([{ ...event('enable', NOW.toISOString()), sourceIp: '', userAgent: '' }], NOW, colors).split('\n')[1];
    expect(row).toMatch(/^now\s+enable\s+auth0\|alice\s+-\s+-\s+-$/);
  });

  it('never passes a client’s control characters to the terminal, and bounds a long user agent', () => {
    const hostile = {
      ...event('rename', NOW.toISOString(), { from: 'a\u001b[2J', to: 'b' }),
      userAgent: `evil\u001b]0;pwned\u0007${'x'.repeat(100)}`,
    };
    const text = eventTable([hostile], NOW, colors);
    expect(text.split('\n')).toHaveLength(2);
    expect(text.split('').filter((char) => (char < ' ' && char !== '\n') || char === '\u007f')).toEqual([]);
    expect(text).toContain('evil?]0;pwned?');
    expect(text).toContain('"a?[2J" → "b"');
    expect(text.split('\n')[1]).not.toContain('x'.repeat(40));
    expect(printable('tab\there\u200b')).toBe('tab?here?');
  });
});

describe('imported keys in the CLI', () => {
  const NOW_ = new Date('2026-12-01T12:00:00Z');
  const imported = {
    id: '1CGCSPTR7O88ZZRD9620DP4DQ',
    name: 'Imported from Stormpath',
    scopes: ['read'],
    createdAt: NOW_.toISOString(),
    expiresAt: '2027-12-01T12:00:00.000Z',
    status: 'active' as const,
    enabled: true,
    origin: 'stormpath' as const,
  };
  const colors = colorsFor({ isTTY: false }, {});

  it('marks them in the list and says what to do in the details; native keys carry no mark', () => {
    const { origin: _none, ...native } = { ...imported, id: 'k1' };
    const lines = keyTable([imported, native], NOW_, colors).split('\n');
    expect(lines[1]).toContain('active (stormpath)');
    expect(lines[2]).not.toContain('stormpath');
    expect(stripVTControlCharacters(keyDetails(imported, NOW_, colors))).toMatch(
      /origin\s+imported from Stormpath: rotate it to get a native key/,
    );
    expect(keyDetails(native, NOW_, colors)).not.toContain('origin');
  });

  it('says where an import event came from', () => {
    const event: AuditEventView = {
      type: 'import',
      actor: 'importer:stormpath/687ICSYVtUQewtFoqVsIEe',
      at: NOW_.toISOString(),
      sourceIp: '',
      userAgent: 'user-api-keys import:stormpath',
      details: { tenant: '687ICSYVtUQewtFoqVsIEe', account: '6c0AZajqc0JkXWwsoe0GV6' },
    };
    expect(eventDetails(event)).toBe('Stormpath tenant 687ICSYVtUQewtFoqVsIEe, account 6c0AZajqc0JkXWwsoe0GV6');
  });
});
