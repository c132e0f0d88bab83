import fc from 'fast-check';
import { KeyFormat } from '../../../lambdas/domain/key-format';
import { REDACTED, redactRequestTarget } from '../../../local/access-log-redaction';

const format = new KeyFormat('uak');
const key = format.generate().key;
const [, keyId, secretAndCrc] = key.split('_') as [string, string, string];
const secret = secretAndCrc.slice(0, 43);
// Shaped like the development provider's tokens: header.payload.signature, base64url.
const jwt = [
  Buffer.from('{"alg":"RS256","kid":"dev"}').toString('base64url'),
  Buffer.from('{"sub":"alice","aud":"https://api.local"}').toString('base64url'),
  'c2lnbmF0dXJlLWJ5dGVzLWhlcmUtbm90LXJlYWxseS1hLXNpZ25hdHVyZQ',
].join('.');
const jwtSignature = jwt.split('.')[2]!;

/** Everything a line must never show, in any form. */
const secrets = [secret, jwtSignature];
const leaks = (line: string) => secrets.some((s) => line.includes(s) || decodeURIComponentLoose(line).includes(s));
/** The same, as UTF-8: how a terminal would show what a line decodes to. */
function decodedUtf8(text: string): string {
  let current = text;
  for (let i = 0; i < 8; i += 1)
    current = current.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
  return current;
}
function decodeURIComponentLoose(text: string): string {
  let current = text;
  for (let i = 0; i < 8; i += 1)
    current = current.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1'));
  return current.replace(/\+/g, ' ');
}

describe('the access log request target', () => {
  it('hides keys of any prefix, and leaves key ids alone', () => {
    const key = new KeyFormat('acme').generate();
    expect(redactRequestTarget(`/keys/${key.key}?x=1`)).toBe('/keys/[redacted key]?x=1');
    expect(redactRequestTarget(`/keys/${key.keyId}`)).toBe(`/keys/${key.keyId}`);
  });

  it('keeps ordinary paths and queries readable', () => {
    expect(redactRequestTarget('/keys')).toBe('/keys');
    expect(redactRequestTarget(`/keys/${keyId}`)).toBe(`/keys/${keyId}`);
    expect(redactRequestTarget('/keys?limit=10&status=active,revoked')).toBe('/keys?limit=10&status=active,revoked');
    expect(redactRequestTarget('/keys?name=my%20script')).toBe('/keys?name=my%20script');
  });

  it('redacts a literal key, a percent-encoded one, and a double-encoded one in the path', () => {
    expect(redactRequestTarget(`/keys/${key}`)).toBe('/keys/[redacted key]');
    expect(redactRequestTarget(`/keys/${key.replace(/_/g, '%5F')}`)).toBe('/keys/[redacted key]');
    expect(redactRequestTarget(`/keys/${key.replace(/_/g, '%255f')}`)).toBe('/keys/[redacted key]');
  });

  it('redacts a token in access_token, and a JWT or key in any parameter', () => {
    expect(redactRequestTarget(`/keys?access_token=${jwt}`)).toBe(`/keys?access_token=${REDACTED}`);
    expect(redactRequestTarget(`/keys?access_token=opaque-token`)).toBe(`/keys?access_token=${REDACTED}`);
    expect(redactRequestTarget(`/keys?x=${jwt}&y=${encodeURIComponent(key)}`)).toBe(`/keys?x=${REDACTED}&y=[redacted key]`);
    expect(redactRequestTarget(`/keys?acc%65ss_token=opaque`)).toBe(`/keys?access_token=${REDACTED}`);
  });

  it('redacts a secret without its prefix, and a target encoded too deeply to read', () => {
    expect(redactRequestTarget(`/x/${secret}`)).toBe(`/x/${REDACTED}`);
    let deep = 'abc';
    for (let i = 0; i < 10; i += 1) deep = encodeURIComponent(`%${deep}`);
    expect(redactRequestTarget(`/x/${deep}`)).toBe(REDACTED);
  });

  it('never prints control or bidirectional characters (terminal escapes) as such', () => {
    const line = redactRequestTarget('/keys/%1B%5B2J%E2%80%AEevil?q=%07%0A');
    expect(line).toBe('/keys/%1B[2J%E2%80%AEevil?q=%07%0A');
    expect([...Buffer.from(line)].every((byte) => byte > 0x20 && byte < 0x7f)).toBe(true);
  });

  // The security review's findings: each of these printed a credential, or most of one, before the fix.

  it('redacts a fragment, sent raw over a socket, whatever it holds', () => {
    const partial = `uak_${keyId}_${secret.slice(0, 17)}`;
    expect(redactRequestTarget(`/whoami#access_token=shortopaque&k=${partial}`)).toBe(`/whoami#${REDACTED}`);
    expect(redactRequestTarget('/keys?limit=10#access_token=shortopaque')).toBe(`/keys?limit=10#${REDACTED}`);
    expect(redactRequestTarget('/keys#?limit=10')).toBe(`/keys#${REDACTED}`);
    // A "#" that only appears once decoded is a fragment inside a path or a URL given as a value.
    expect(redactRequestTarget('/whoami%23access_token%3Dshortopaque')).toBe(`/whoami%23${REDACTED}`);
    expect(redactRequestTarget('/keys?next=%2Fcb%23access_token%3Dshortopaque')).toBe(`/keys?next=/cb%23${REDACTED}`);
  });

  it('redacts any parameter whose name looks like a credential, and splits on ";" as on "&"', () => {
    for (const name of [
      'accessToken',
      'bearer',
      'access_token[]',
      'X-Api-Key',
      'apikey',
      'client-secret',
      'Authorization',
      'auth',
      'PASSWORD',
      'passwd',
      'device_code',
      'signature',
      'sig',
      'sessionId',
      'JSESSIONID',
      'credentials',
      'id_token',
      'refresh-token',
    ])
      expect(redactRequestTarget(`/keys?${name}=shortopaque`)).toBe(`/keys?${name}=${REDACTED}`);
    expect(redactRequestTarget('/keys?access%5Ftoken%5B%5D=shortopaque')).toBe(`/keys?access_token[]=${REDACTED}`);
    expect(redactRequestTarget('/keys?a=1;access_token=shortopaque')).toBe(`/keys?a=1;access_token=${REDACTED}`);
    expect(redactRequestTarget('/keys?a=1;b=2&c=3')).toBe('/keys?a=1;b=2&c=3');
    expect(redactRequestTarget('/keys;jsessionid=shortopaque')).toBe(`/keys;jsessionid=${REDACTED}`);
  });

  it('judges a parameter by its decoded name, and reads structure that appears only once decoded', () => {
    expect(redactRequestTarget('/keys?access_token%3Dabc=1')).toBe(`/keys?access_token%3D${REDACTED}=${REDACTED}`);
    expect(redactRequestTarget('/keys?q=a%26access_token%3Dshortopaque')).toBe(`/keys?q=a%26access_token%3D${REDACTED}`);
    expect(redactRequestTarget('/keys?next=%2Fcallback%3Fcode%3Dshortopaque%26state%3Dxyz')).toBe(
      `/keys?next=/callback%3Fcode%3D${REDACTED}%26state%3Dxyz`,
    );
    expect(redactRequestTarget('/whoami%3Faccess_token=shortopaque')).toBe(`/whoami%3Faccess_token%3D${REDACTED}`);
    // Structure that was data stays data, printed so that it reads back as it was sent.
    expect(redactRequestTarget('/keys?q=a%3Db%26c%3Bd%2Be')).toBe('/keys?q=a%3Db%26c%3Bd%2Be');
  });

  /** No 20 characters of a secret in a row, in the line as printed or decoded, invisible characters ignored. */
  const visibleWindow = (line: string, of: string) => {
    const forms = [line, decodedUtf8(line), decodeURIComponentLoose(line)].map((form) =>
      form.replace(/[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}]/gu, ''),
    );
    for (let start = 0; start + 20 <= of.length; start += 1) {
      const window = of.slice(start, start + 20);
      if (forms.some((form) => form.includes(window))) return window;
    }
    return undefined;
  };

  it('redacts a key cut short or split across parameters', () => {
    const start = `uak_${keyId}_`;
    // A key split in two parameters: 30 characters of the secret, then the 19 after them.
    const split = redactRequestTarget(`/keys?p1=${start}${secretAndCrc.slice(0, 30)}&p2=${secretAndCrc.slice(30)}`);
    expect(split).toMatch(/^\/keys\?p1=\[redacted key\]&p2=/);
    expect(visibleWindow(split, secret)).toBeUndefined();
    // Split the other way: 10 characters, then 39, which follow a key's start and so are redacted.
    expect(redactRequestTarget(`/keys?p1=${start}${secretAndCrc.slice(0, 10)}&p2=${secretAndCrc.slice(10)}`)).toBe(
      `/keys?p1=${start}${secretAndCrc.slice(0, 10)}&p2=${REDACTED}`,
    );
    // Split inside the id: the parameters' values read together still start a key.
    expect(redactRequestTarget(`/keys?p1=${key.slice(0, 10)}&p2=${key.slice(10, 50)}`)).toBe(
      `/keys?p1=${key.slice(0, 10)}&p2=${key.slice(10, 27)}${REDACTED}`,
    );
    // The first part under a credential's name is not printed, but what follows it is still the rest of a key.
    expect(redactRequestTarget(`/keys?api_key=${start}${secretAndCrc.slice(0, 10)}&p2=${secretAndCrc.slice(10)}`)).toBe(
      `/keys?api_key=${REDACTED}&p2=${REDACTED}`,
    );
    expect(redactRequestTarget(`/keys;apikey=${start}${secretAndCrc.slice(0, 10)};p2=${secretAndCrc.slice(10)}`)).toBe(
      `/keys;apikey=${REDACTED};p2=${REDACTED}`,
    );
    // The rest of a JWT, its signature cut off into a parameter of its own.
    expect(redactRequestTarget(`/keys?a=${jwt.slice(0, -30)}&b=${jwt.slice(-30)}`)).toBe(`/keys?a=${REDACTED}&b=${REDACTED}`);
    // Truncated: its first 60 characters, then a NUL.
    expect(redactRequestTarget(`/keys/${key.slice(0, 60)}%00`)).toBe('/keys/[redacted key]%00');
    expect(redactRequestTarget(`/keys/${key.slice(0, 27 + 20)}`)).toBe('/keys/[redacted key]');
    // A key's start with fewer than 20 characters after it, and a key id alone, are not a secret.
    expect(redactRequestTarget(`/keys/${key.slice(0, 27 + 19)}`)).toBe(`/keys/${key.slice(0, 27 + 19)}`);
    expect(redactRequestTarget(`/keys/${keyId}?limit=10`)).toBe(`/keys/${keyId}?limit=10`);
  });

  it('prints every invisible or format character percent-encoded, and sees a key through them', () => {
    expect(redactRequestTarget('/keys/a\u00adb%C2%ADc')).toBe('/keys/a%C2%ADb%C2%ADc');
    expect(redactRequestTarget('/keys/a\u{e0001}b%F3%A0%80%81c')).toBe('/keys/a%F3%A0%80%81b%F3%A0%80%81c');
    expect(redactRequestTarget('/keys?q=a\u2028b%E2%80%A9c')).toBe('/keys?q=a%E2%80%A8b%E2%80%A9c');
    expect(redactRequestTarget('/keys/\u3164\u200b\ufe0f\ud800')).toBe('/keys/%E3%85%A4%E2%80%8B%EF%B8%8F%EF%BF%BD');
    for (const invisible of ['\u00ad', '\u{e0001}', '%C2%AD', '%F3%A0%80%81', '\u200b', '%E2%80%A8']) {
      const hidden = `${key.slice(0, 40)}${invisible}${key.slice(40, 55)}${invisible}${key.slice(55)}`;
      expect(redactRequestTarget(`/keys/${hidden}`)).toBe('/keys/[redacted key]');
      expect(redactRequestTarget(`/keys?x=${hidden}`)).toBe('/keys?x=[redacted key]');
    }
  });

  /** Each character of `text`, either as it is or percent-encoded (either case), up to `rounds` times over. */
  const encodedForm = (text: string, rounds: number) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: rounds }), fc.boolean()), { minLength: text.length, maxLength: text.length })
      .map((choices) =>
        text
          .split('') // ASCII only: keys and JWTs
          .map((char, i) => {
            const [times, lower] = choices[i]!;
            let out = char;
            for (let round = 0; round < times; round += 1) {
              out = Array.from(out, (c) => c)
                .map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
                .join('');
              if (!lower) out = out.toUpperCase();
            }
            return out;
          })
          .join(''),
      );

  const filler = fc.stringMatching(/^[a-z0-9/=&.,-]{0,12}$/);

  it('property: no key or token survives, in any mix of encodings, in path or query', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(fc.constantFrom(key, jwt, `${keyId}_${secretAndCrc}`), fc.integer({ min: 0, max: 2 }))
          .chain(([credential, rounds]) => encodedForm(credential, rounds)),
        fc.constantFrom('path', 'query', 'parameter-name', 'plus'),
        filler,
        filler,
        (encoded, where, before, after) => {
          const target =
            where === 'path'
              ? `/keys/${before}${encoded}${after}`
              : where === 'query'
                ? `/keys?${before}=${encoded}${after}`
                : where === 'parameter-name'
                  ? `/keys?${encoded}=${before}`
                  : `/keys?q=${before}+${encoded}+${after}`;
          const line = redactRequestTarget(target);
          expect(leaks(line)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: any target at all is printed without throwing, and with no unsafe character as such', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('%', '%2', '%25', '%C2%AD', '#', '?', '&', ';', '=', '+', key)), {
          maxLength: 12,
        }),
        (parts) => {
          const line = redactRequestTarget(parts.join(''));
          expect(line.replace(/\[redacted key\]/g, '')).not.toMatch(/[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}]/u);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('prints a long target quickly', () => {
    const target = `/keys?${Array.from({ length: 2000 }, (_, i) => `p${i}=${key.slice(0, i % 70)}`).join('&')}#x`;
    const started = process.hrtime.bigint();
    const line = redactRequestTarget(target);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
    expect(visibleWindow(line, secret)).toBeUndefined();
  });

  const invisibles = ['\u00ad', '\u{e0001}', '\u200b', '\u2028', '\u2029', '\ufeff', '\u202e', '\u0000', '\u001b', ' '];

  /** Each character of `text` as it is, or its UTF-8 percent-encoded (either case), up to `rounds` times over. */
  const encodedUtf8 = (text: string, rounds: number) => {
    const chars = Array.from(text);
    return fc
      .array(fc.tuple(fc.integer({ min: 0, max: rounds }), fc.boolean()), { minLength: chars.length, maxLength: chars.length })
      .map((choices) =>
        chars
          .map((char, i) => {
            const [times, lower] = choices[i]!;
            let out = char;
            for (let round = 0; round < times; round += 1) {
              out = Array.from(Buffer.from(out, 'utf8'), (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
              if (!lower) out = out.toUpperCase();
            }
            return out;
          })
          .join(''),
      );
  };

  /**
   * A key, whole or cut short (at least 20 characters of its secret), or a JWT, with invisible characters slipped in;
   * and whether it may also be cut in two. A key without its prefix is not: then nothing says the parts are a key's.
   */
  const hiddenCredential = fc
    .tuple(
      fc.oneof(
        fc.constantFrom([key, true] as const, [jwt, true] as const, [`${keyId}_${secretAndCrc}`, false] as const),
        fc.integer({ min: 27 + 20, max: key.length }).map((length) => [key.slice(0, length), true] as const),
      ),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(...invisibles)), { maxLength: 4 }),
    )
    .map(([[credential, splittable], insertions]) => {
      const chars = credential.split(''); // ASCII
      for (const [at, char] of insertions) chars.splice(at % (chars.length + 1), 0, char);
      return [chars, splittable] as const; // one code point each
    });

  /** The credential encoded whole, and cut in two (each part encoded on its own) to be sent as two parameters. */
  const encodedCases = fc.tuple(hiddenCredential, fc.integer({ min: 0, max: 2 }), fc.nat()).chain(([[chars, splittable], rounds, at]) => {
    const cut = splittable ? at % (chars.length + 1) : 0;
    return fc.tuple(
      encodedUtf8(chars.join(''), rounds),
      encodedUtf8(chars.slice(0, cut).join(''), rounds),
      encodedUtf8(chars.slice(cut).join(''), rounds),
    );
  });

  it('property: no 20 characters of a secret are seen, with invisible characters, fragments, ";" and split keys', () => {
    fc.assert(
      fc.property(
        encodedCases,
        fc.constantFrom('path', 'query', 'semicolon', 'parameter-name', 'plus', 'nested', 'fragment', 'split'),
        filler,
        ([encoded, head, tail], where, before) => {
          const target = {
            path: `/keys/${before}${encoded}`,
            query: `/keys?${before}=${encoded}`,
            semicolon: `/keys?a=1;${before}=${encoded}`,
            'parameter-name': `/keys?${encoded}=${before}`,
            plus: `/keys?q=${before}+${encoded}+x`,
            nested: `/keys?next=${encodeURIComponent(`/cb?${before}=`)}${encoded}`,
            fragment: `/keys?${before}#${encoded}`,
            split: `/keys?p1=${head}&p2=${tail}`,
          }[where];
          const line = redactRequestTarget(target);
          expect(line.replace(/\[redacted key\]/g, '')).toMatch(/^[\x21-\x7e]*$/);
          expect(visibleWindow(line, secret)).toBeUndefined();
          expect(visibleWindow(line, jwtSignature)).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
