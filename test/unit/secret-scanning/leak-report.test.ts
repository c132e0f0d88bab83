import { ValidationError } from '../../../lambdas/domain/errors';
import {
  MAX_LEAK_MATCHES,
  parseLeakReport,
  safeSource,
  safeUrl,
  TOKEN_MAX_LENGTH,
  URL_MAX_LENGTH,
} from '../../../lambdas/domain/leak-report';

const parse = (value: unknown) => parseLeakReport(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
const refusal = (value: unknown): ValidationError => {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('parsed');
};

describe('parseLeakReport', () => {
  it("reads GitHub's sample body", () => {
    expect(parse('[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]')).toEqual([
      { token: 'some_token', type: 'some_type', url: 'https://example.com/base-repo-url/', source: 'commit' },
    ]);
  });

  it('takes url and source as optional (GitHub: the url "may be empty"), and ignores fields it does not know', () => {
    expect(
      parse([
        { token: 't', type: 'x', extra: 1 },
        { token: 'u', type: 'x', url: null, source: null },
      ]),
    ).toEqual([
      { token: 't', type: 'x', url: '', source: 'unknown' },
      { token: 'u', type: 'x', url: '', source: 'unknown' },
    ]);
  });

  it.each([
    ['an empty body', '', 'MISSING_BODY', /required/],
    ['not JSON', '[{', 'INVALID_JSON', /JSON/],
    ['an object', { token: 't', type: 'x' }, 'INVALID_REQUEST', /array/],
    ['an empty array', [], 'INVALID_REQUEST', /non-empty/],
    ['a match that is not an object', ['t'], 'INVALID_REQUEST', /Match 0: not an object/],
    ['no token', [{ type: 'x' }], 'INVALID_REQUEST', /Match 0: "token"/],
    ['a token that is a number', [{ token: 1, type: 'x' }], 'INVALID_REQUEST', /"token"/],
    ['an empty token', [{ token: '', type: 'x' }], 'INVALID_REQUEST', /"token"/],
    ['a token too long', [{ token: 't'.repeat(TOKEN_MAX_LENGTH + 1), type: 'x' }], 'INVALID_REQUEST', /"token"/],
    ['no type', [{ token: 't' }], 'INVALID_REQUEST', /"type"/],
    ['a type too long', [{ token: 't', type: 'x'.repeat(257) }], 'INVALID_REQUEST', /"type"/],
    ['a url that is not text', [{ token: 't', type: 'x', url: 5 }], 'INVALID_REQUEST', /"url"/],
    ['a source that is not text', [{ token: 't', type: 'x', source: {} }], 'INVALID_REQUEST', /"source"/],
    ['the second match wrong', [{ token: 't', type: 'x' }, { token: 't' }], 'INVALID_REQUEST', /Match 1/],
  ])('refuses %s with 400 %s, naming the problem', (_what, body, code, message) => {
    const error = refusal(body);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it(`takes at most ${MAX_LEAK_MATCHES} matches`, () => {
    const one = { token: 't', type: 'x' };
    expect(parse(Array.from({ length: MAX_LEAK_MATCHES }, () => one))).toHaveLength(MAX_LEAK_MATCHES);
    expect(refusal(Array.from({ length: MAX_LEAK_MATCHES + 1 }, () => one)).message).toMatch(/At most 1000/);
  });

  it('never echoes a token in its refusals', () => {
    const token = 'uak_secretsecretsecretsecret';
    expect(refusal([{ token, type: 5 }]).message).not.toContain(token);
  });
});

describe('safeUrl: shown to owners in terminals', () => {
  it.each([
    ['https://github.com/o/r/blob/abc/f.env', 'https://github.com/o/r/blob/abc/f.env'],
    ['http://example.com/x', 'http://example.com/x'],
    ['https://github.com/o/r/\u001b]8;;evil\u0007x', 'https://github.com/o/r/]8;;evilx'],
    ['https://github.com/\u202egnp.exe', 'https://github.com/gnp.exe'],
    ['https://github.com/a b', 'https://github.com/a%20b'],
    ['https://user:pass@github.com/x', 'https://github.com/x'],
    ['javascript:alert(1)', ''],
    ['data:text/html,<b>x</b>', ''],
    ['file:///etc/passwd', ''],
    ['not a url', ''],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(safeUrl(input)).toBe(expected);
  });

  it(`keeps ${URL_MAX_LENGTH} characters, and drops (rather than cuts) a longer URL`, () => {
    const base = 'https://github.com/';
    const fits = base + 'a'.repeat(URL_MAX_LENGTH - base.length);
    expect(safeUrl(fits)).toBe(fits);
    expect(safeUrl(`${fits}a`)).toBe('');
  });
});

describe('safeSource', () => {
  it.each([
    ['commit', 'commit'],
    ['Pull_request_comment', 'pull_request_comment'],
    ['npm', 'npm'],
    ['', 'unknown'],
    ['commit; rm -rf', 'unknown'],
    ['\u001b[31mcommit', 'unknown'],
    ['a'.repeat(65), 'unknown'],
  ])('%j → %j', (input, expected) => {
    expect(safeSource(input)).toBe(expected);
  });
});
