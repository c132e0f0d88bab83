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
function decodeURIComponentLoose(text: string): string {
  let current = text;
  for (let i = 0; i < 8; i += 1)
    current = current.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1'));
  return current.replace(/\+/g, ' ');
}

describe('the access log request target', () => {
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
});
