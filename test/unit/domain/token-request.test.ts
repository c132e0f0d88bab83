import fc from 'fast-check';
import {
  MAX_TOKEN_REQUEST_BYTES,
  OAuthError,
  parseTokenRequest,
  type OAuthErrorCode,
  type RawTokenRequest,
} from '../../../lambdas/domain/token-request';

const FORM = 'application/x-www-form-urlencoded';
// Obviously fake: a Stormpath-shaped id (25 [A-Z0-9]) and secret (43 standard base64, with + and /).
const STORMPATH_ID = 'TESTSTORMPATHKEYID0000001';
const STORMPATH_SECRET = 'TestStormpath+Secret/With+Plus/Slash0000000';
const NATIVE_ID = 'TestKeyId0000000000000';
const NATIVE_KEY = 'uak_TestKeyId0000000000000_TestSecret000000000000000000000000000000000AbCdEf';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const GRANT = 'grant_type=client_credentials';
/** §5.2: error_description is printable ASCII without `"` and `\`. */
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

function refusal(request: RawTokenRequest): OAuthError {
  try {
    parseTokenRequest(request);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error('parseTokenRequest accepted the request');
}

function expectRefused(request: RawTokenRequest, code: OAuthErrorCode): OAuthError {
  const error = refusal(request);
  expect(error.error).toBe(code);
  expect(error.name).toBe('OAuthError');
  expect(error.description).toMatch(DESCRIPTION_CHARS);
  return error;
}

describe('parseTokenRequest: HTTP Basic client authentication (RFC 6749 §2.3.1)', () => {
  it('reads a Stormpath id and secret sent raw, + and / as they are', () => {
    expect(parseTokenRequest({ authorization: basic(STORMPATH_ID, STORMPATH_SECRET), contentType: FORM, body: GRANT })).toEqual({
      clientId: STORMPATH_ID,
      clientSecret: STORMPATH_SECRET,
    });
  });

  it('reads the same secret when the client form-urlencoded it first (%2B, %2F), as §2.3.1 says', () => {
    const encoded = encodeURIComponent(STORMPATH_SECRET);
    expect(encoded).toContain('%2B');
    expect(encoded).toContain('%2F');
    const raw = parseTokenRequest({ authorization: basic(STORMPATH_ID, STORMPATH_SECRET), contentType: FORM, body: GRANT });
    const viaForm = parseTokenRequest({ authorization: basic(STORMPATH_ID, encoded), contentType: FORM, body: GRANT });
    expect(viaForm).toEqual(raw);
    // Lower-case escapes too, and an encoded id.
    const lower = encoded.replace(/%2B/g, '%2b').replace(/%2F/g, '%2f');
    expect(parseTokenRequest({ authorization: basic(encodeURIComponent(STORMPATH_ID), lower), contentType: FORM, body: GRANT })).toEqual(
      raw,
    );
  });

  it('decodes an encoded part as a form: + is a space there (only once a % shows it is encoded)', () => {
    expect(parseTokenRequest({ authorization: basic('id', 'a+b%21'), contentType: FORM, body: GRANT }).clientSecret).toBe('a b!');
    expect(parseTokenRequest({ authorization: basic('id', 'a+b!'), contentType: FORM, body: GRANT }).clientSecret).toBe('a+b!');
  });

  it('reads a native key id and whole key', () => {
    expect(parseTokenRequest({ authorization: basic(NATIVE_ID, NATIVE_KEY), contentType: FORM, body: GRANT })).toEqual({
      clientId: NATIVE_ID,
      clientSecret: NATIVE_KEY,
    });
  });

  it('reads a lower-case scheme, and splits at the first colon only', () => {
    const header = basic(STORMPATH_ID, 'sec:ret').replace('Basic', 'basic');
    expect(parseTokenRequest({ authorization: header, contentType: FORM, body: GRANT })).toEqual({
      clientId: STORMPATH_ID,
      clientSecret: 'sec:ret',
    });
  });

  it.each([
    ['a Bearer header', `Bearer ${NATIVE_KEY}`],
    ['a Digest header', 'Digest username="x"'],
    ['Basic credentials that are not base64', `Basic ${STORMPATH_ID}:${STORMPATH_SECRET}`],
    ['Basic credentials without a colon', `Basic ${Buffer.from(STORMPATH_ID).toString('base64')}`],
    ['the Basic scheme alone', 'Basic'],
    ['a bad percent-encoding', basic(STORMPATH_ID, 'abc%zz')],
  ])('refuses %s as invalid_client', (_label, authorization) => {
    expectRefused({ authorization, contentType: FORM, body: GRANT }, 'invalid_client');
  });
});

describe('parseTokenRequest: client_id and client_secret in the body', () => {
  it('reads them, form-decoded', () => {
    const body = `${GRANT}&client_id=${STORMPATH_ID}&client_secret=${encodeURIComponent(STORMPATH_SECRET)}`;
    expect(parseTokenRequest({ contentType: FORM, body })).toEqual({ clientId: STORMPATH_ID, clientSecret: STORMPATH_SECRET });
    const viaSearchParams = new URLSearchParams({ grant_type: 'client_credentials', client_id: NATIVE_ID, client_secret: NATIVE_KEY });
    expect(parseTokenRequest({ contentType: FORM, body: viaSearchParams.toString() })).toEqual({
      clientId: NATIVE_ID,
      clientSecret: NATIVE_KEY,
    });
  });

  it('treats an empty Authorization header as absent', () => {
    const body = `${GRANT}&client_id=${NATIVE_ID}&client_secret=${NATIVE_KEY}`;
    expect(parseTokenRequest({ authorization: '', contentType: FORM, body })).toEqual({ clientId: NATIVE_ID, clientSecret: NATIVE_KEY });
  });

  it.each([
    ['client_id and client_secret', `&client_id=${STORMPATH_ID}&client_secret=x`],
    ['client_secret alone', '&client_secret=x'],
    ['a client_id naming another client', `&client_id=${'X'.repeat(25)}`],
  ])('refuses Basic and %s at once as invalid_request (§2.3: one method)', (_label, extra) => {
    expectRefused({ authorization: basic(STORMPATH_ID, STORMPATH_SECRET), contentType: FORM, body: GRANT + extra }, 'invalid_request');
  });

  it('takes Basic with the same client_id in the body (no second method), and empty parameters as omitted (§3.2)', () => {
    for (const extra of [`&client_id=${STORMPATH_ID}`, '&client_id=', '&client_secret=', '&scope=']) {
      expect(parseTokenRequest({ authorization: basic(STORMPATH_ID, STORMPATH_SECRET), contentType: FORM, body: GRANT + extra })).toEqual({
        clientId: STORMPATH_ID,
        clientSecret: STORMPATH_SECRET,
      });
    }
  });

  it.each([
    ['no credentials at all', GRANT],
    ['client_id without client_secret', `${GRANT}&client_id=${STORMPATH_ID}`],
    ['client_secret without client_id', `${GRANT}&client_secret=${STORMPATH_SECRET}`],
  ])('refuses %s as invalid_client', (_label, body) => {
    expectRefused({ contentType: FORM, body }, 'invalid_client');
  });
});

describe('parseTokenRequest: the request itself', () => {
  const auth = basic(STORMPATH_ID, STORMPATH_SECRET);

  it.each([
    ['no content type', undefined],
    ['JSON', 'application/json'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['text', 'text/plain'],
    ['a form type with a suffix', 'application/x-www-form-urlencodedx'],
  ])('refuses %s as invalid_request', (_label, contentType) => {
    expectRefused({ authorization: auth, contentType, body: GRANT }, 'invalid_request');
  });

  it.each([FORM, `${FORM}; charset=UTF-8`, 'Application/X-WWW-Form-Urlencoded', ` ${FORM} `])(
    'accepts the content type %j',
    (contentType) => {
      expect(parseTokenRequest({ authorization: auth, contentType, body: GRANT }).clientId).toBe(STORMPATH_ID);
    },
  );

  it.each([
    ['no body', undefined],
    ['an empty body', ''],
    ['no grant_type', 'scope=read'],
    ['an empty grant_type', 'grant_type='],
  ])('refuses %s as invalid_request (grant_type is required)', (_label, body) => {
    expectRefused({ authorization: auth, contentType: FORM, body }, 'invalid_request');
  });

  it.each(['password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'Client_Credentials'])(
    'refuses grant_type=%s as unsupported_grant_type',
    (grantType) => {
      expectRefused(
        { authorization: auth, contentType: FORM, body: `grant_type=${encodeURIComponent(grantType)}` },
        'unsupported_grant_type',
      );
    },
  );

  it('checks grant_type before the client: an unsupported grant without credentials is unsupported_grant_type', () => {
    expectRefused({ contentType: FORM, body: 'grant_type=password' }, 'unsupported_grant_type');
  });

  it.each([
    ['grant_type', `${GRANT}&${GRANT}`],
    ['scope', `${GRANT}&scope=read&scope=write`],
    ['an empty scope', `${GRANT}&scope=&scope=`],
    ['client_id', `${GRANT}&client_id=${STORMPATH_ID}&client_id=${STORMPATH_ID}&client_secret=x`],
    ['client_secret', `${GRANT}&client_id=${STORMPATH_ID}&client_secret=x&client_secret=y`],
  ])('refuses a repeated %s as invalid_request (§3.2)', (_label, body) => {
    const authorization = body.includes('client_') ? undefined : auth;
    const error = expectRefused({ authorization, contentType: FORM, body }, 'invalid_request');
    expect(error.description).toContain('repeated');
  });

  it('names a repeated parameter within §5.2’s characters, whatever its name', () => {
    for (const name of ['a"b', 'c\\d', 'é', '\u0000', 'x'.repeat(500)]) {
      const param = encodeURIComponent(name);
      const error = expectRefused({ authorization: auth, contentType: FORM, body: `${GRANT}&${param}=1&${param}=2` }, 'invalid_request');
      expect(error.description.length).toBeLessThan(100);
    }
  });

  it('ignores parameters it does not know (§3.2), and keeps the secret out of its descriptions', () => {
    expect(parseTokenRequest({ authorization: auth, contentType: FORM, body: `${GRANT}&audience=x&foo=bar` })).toEqual({
      clientId: STORMPATH_ID,
      clientSecret: STORMPATH_SECRET,
    });
    const error = expectRefused({ authorization: auth, contentType: FORM, body: `${GRANT}&scope=%20` }, 'invalid_scope');
    expect(error.description).not.toContain(STORMPATH_SECRET);
  });

  it('refuses a body over MAX_TOKEN_REQUEST_BYTES as invalid_request, counting bytes, not characters', () => {
    const padded = (length: number, char = 'a') => `${GRANT}&pad=${char.repeat(length - GRANT.length - 5)}`;
    expect(padded(MAX_TOKEN_REQUEST_BYTES)).toHaveLength(MAX_TOKEN_REQUEST_BYTES);
    expect(parseTokenRequest({ authorization: auth, contentType: FORM, body: padded(MAX_TOKEN_REQUEST_BYTES) }).clientId).toBe(
      STORMPATH_ID,
    );
    expectRefused({ authorization: auth, contentType: FORM, body: padded(MAX_TOKEN_REQUEST_BYTES + 1) }, 'invalid_request');
    // Under the limit in characters, over it in UTF-8 bytes.
    const wide = padded(MAX_TOKEN_REQUEST_BYTES / 2 + 100, 'é');
    expect(wide.length).toBeLessThan(MAX_TOKEN_REQUEST_BYTES);
    expectRefused({ authorization: auth, contentType: FORM, body: wide }, 'invalid_request');
  });

  it('checks the size before the content type: a large body of any type is invalid_request about its size', () => {
    const error = expectRefused(
      { authorization: auth, contentType: 'application/json', body: 'x'.repeat(MAX_TOKEN_REQUEST_BYTES + 1) },
      'invalid_request',
    );
    expect(error.description).toContain(String(MAX_TOKEN_REQUEST_BYTES));
  });
});

describe('parseTokenRequest: scope (§3.3)', () => {
  const auth = basic(STORMPATH_ID, STORMPATH_SECRET);
  const scopesOf = (scope: string) =>
    parseTokenRequest({ authorization: auth, contentType: FORM, body: `${GRANT}&scope=${encodeURIComponent(scope)}` }).scopes;

  it('leaves scopes undefined when none are asked for (the key’s own are granted)', () => {
    expect(parseTokenRequest({ authorization: auth, contentType: FORM, body: GRANT }).scopes).toBeUndefined();
  });

  it.each([
    ['read', ['read']],
    ['read write', ['read', 'write']],
    ['  read   write  ', ['read', 'write']],
    ['read read write read', ['read', 'write']],
    ['orders:read https://api.example.com/x', ['orders:read', 'https://api.example.com/x']],
    ['!#[]~', ['!#[]~']],
  ])('reads %j', (scope, expected) => {
    expect(scopesOf(scope)).toEqual(expected);
  });

  it('reads + in the body as the space between scopes (form encoding)', () => {
    expect(parseTokenRequest({ authorization: auth, contentType: FORM, body: `${GRANT}&scope=read+write` }).scopes).toEqual([
      'read',
      'write',
    ]);
  });

  it.each([
    ['spaces only', '   '],
    ['a double quote', 'read "write"'],
    ['a backslash', 'read\\write'],
    ['a tab', 'read\twrite'],
    ['a newline', 'read\nwrite'],
    ['a NUL', 'read\0'],
    ['a non-ASCII letter', 'lé'],
    ['a DEL', 'read\x7f'],
  ])('refuses a scope with %s as invalid_scope', (_label, scope) => {
    expectRefused({ authorization: auth, contentType: FORM, body: `${GRANT}&scope=${encodeURIComponent(scope)}` }, 'invalid_scope');
  });

  it('accepts exactly the scope tokens of §A.4, distinct and in order (property)', () => {
    const scopeChar = fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code));
    const allowed = (token: string) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(token);
    fc.assert(
      fc.property(fc.array(fc.string({ unit: scopeChar, minLength: 0, maxLength: 8 }), { maxLength: 6 }), (tokens) => {
        const scope = tokens.join(' ');
        const words = scope.split(' ').filter((word) => word !== '');
        if (scope === '') {
          // Sent without a value: as if omitted (§3.2).
          expect(parseTokenRequest({ authorization: auth, contentType: FORM, body: `${GRANT}&scope=` }).scopes).toBeUndefined();
        } else if (words.length > 0 && words.every(allowed)) {
          expect(scopesOf(scope)).toEqual([...new Set(words)]);
        } else {
          expectRefused({ authorization: auth, contentType: FORM, body: `${GRANT}&scope=${encodeURIComponent(scope)}` }, 'invalid_scope');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseTokenRequest never fails other than with an OAuthError', () => {
  it('for arbitrary headers, content types and bodies (property)', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom(...Array.from('=&%+:/ abAZ09_')) }),
    );
    fc.assert(
      fc.property(
        fc.option(text, { nil: undefined }),
        fc.option(fc.constantFrom(FORM, 'text/plain'), { nil: undefined }),
        text,
        (authorization, contentType, body) => {
          try {
            parseTokenRequest({ authorization, contentType, body: `${GRANT}&${body}` });
          } catch (error) {
            expect(error).toBeInstanceOf(OAuthError);
            expect((error as OAuthError).description).toMatch(DESCRIPTION_CHARS);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
