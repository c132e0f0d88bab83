import { parseCreateKeyRequest } from '../../../lambdas/domain/create-key-request';
import { ValidationError } from '../../../lambdas/domain/errors';
import { statusOf } from '../../../lambdas/http/error-status';
import type { KeyPolicy } from '../../../lambdas/domain/key-policy';
import { DEFAULT_KEY_POLICY } from '../../../lambdas/domain/key-policy';
import { testKeyPolicy } from '../../support/key-policy';

const DAY = 86_400;
const NOW = new Date('2025-01-01T00:00:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

const POLICY = testKeyPolicy();
const parse = (body: unknown, policy: KeyPolicy = POLICY, now: Date = NOW) => parseCreateKeyRequest(body, policy, now);

/** The ValidationError a body is refused with; fails the test if it is accepted or fails otherwise. */
function refusal(body: unknown, policy: KeyPolicy = POLICY, now: Date = NOW, code = 'INVALID_REQUEST'): ValidationError {
  let accepted: unknown;
  try {
    accepted = parse(body, policy, now);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(statusOf(validation)).toBe(400);
    expect(validation.code).toBe(code);
    return validation;
  }
  throw new Error(`expected a ValidationError, but the body was accepted as ${JSON.stringify(accepted)}`);
}

describe('parseCreateKeyRequest', () => {
  describe('defaults', () => {
    it('gives a key the default 90-day lifetime and no scopes', () => {
      expect(parse({ name: 'CI' })).toEqual({ name: 'CI', scopes: [], expiresAt: NOW_SECONDS + 90 * DAY });
    });

    it('takes the default lifetime from the policy', () => {
      const policy: KeyPolicy = testKeyPolicy({ maxKeysPerUser: 5, defaultLifetimeDays: 7, maxLifetimeDays: 30 });
      expect(parse({ name: 'CI' }, policy).expiresAt).toBe(NOW_SECONDS + 7 * DAY);
    });

    it('counts the lifetime from whole seconds of the given clock', () => {
      const now = new Date('2025-01-01T00:00:00.999Z');
      expect(parse({ name: 'CI' }, DEFAULT_KEY_POLICY, now).expiresAt).toBe(NOW_SECONDS + 90 * DAY);
    });
  });

  describe('name', () => {
    it('is trimmed', () => {
      expect(parse({ name: '  CI deploys \t' }).name).toBe('CI deploys');
    });

    it('accepts 1 and 100 characters', () => {
      expect(parse({ name: 'x' }).name).toBe('x');
      expect(parse({ name: 'x'.repeat(100) }).name).toBe('x'.repeat(100));
    });

    it('accepts 100 characters with surrounding spaces, measured after trimming', () => {
      expect(parse({ name: ` ${'x'.repeat(100)} ` }).name).toBe('x'.repeat(100));
    });

    it('accepts letters, punctuation and emoji from any script', () => {
      expect(parse({ name: 'Déploiement — 日本 🚀 (prod)' }).name).toBe('Déploiement — 日本 🚀 (prod)');
    });

    it.each([
      ['empty', ''],
      ['only spaces', '    '],
      ['101 characters', 'x'.repeat(101)],
    ])('is refused when %s, with one clear message', (_label, name) => {
      expect(refusal({ name }).message).toBe('name: name must be 1 to 100 characters');
    });

    it.each([
      ['NUL', 'a\0b'],
      ['BEL', 'a\u0007b'],
      ['a newline inside', 'line1\nline2'],
      ['a tab inside', 'a\tb'],
      ['a carriage return inside', 'a\rb'],
      ['an ANSI escape sequence', 'a\u001b[31mred'],
      ['DEL', 'a\u007fb'],
      ['a C1 control character', 'a\u009bb'],
      ['a zero-width space', 'a\u200bb'],
      ['a right-to-left override', 'safe\u202etxt.exe'],
      ['a byte-order mark inside', 'a\ufeffb'],
      ['a line separator', 'a\u2028b'],
      ['a paragraph separator', 'a\u2029b'],
      ['a lone surrogate', 'a\ud800b'],
      ['a private-use character', 'a\ue000b'],
    ])('is refused when it contains %s', (_label, name) => {
      expect(refusal({ name }).message).toBe('name: name must not contain control characters');
    });

    it.each([
      ['missing', {}],
      ['a number', { name: 42 }],
      ['null', { name: null }],
      ['an array', { name: ['CI'] }],
    ])('is refused when %s', (_label, body) => {
      expect(refusal(body).message).toBe('name: name must be a string');
    });
  });

  describe('unknown fields', () => {
    it.each(['owner', 'ownerId', 'secretHash', 'status', 'id', 'keyId', 'revokedAt', 'createdAt', 'Name'])(
      'refuses the field "%s", naming it',
      (field) => {
        expect(refusal({ name: 'CI', [field]: 'x' }).message).toBe(`unknown field "${field}"`);
      },
    );

    it('names every unknown field at once', () => {
      const { message } = refusal({ name: 'CI', ownerId: 'auth0|someone-else', status: 'active' });
      expect(message).toBe('unknown fields "ownerId", "status"');
    });

    it('refuses an unknown field even when its value is undefined-like', () => {
      expect(refusal({ name: 'CI', ownerId: null }).message).toContain('"ownerId"');
    });

    it('refuses __proto__ given as an own JSON field', () => {
      const body: unknown = JSON.parse('{"name":"CI","__proto__":{"ownerId":"x"}}');
      expect(refusal(body).message).toContain('"__proto__"');
    });
  });

  describe('scopes', () => {
    describe("only those in the allowed set (the routes' scopes and the operator's extras)", () => {
      const policy = testKeyPolicy({ allowedScopes: ['orders:read', 'orders:write'] });

      it('accepts allowed scopes', () => {
        expect(parse({ name: 'CI', scopes: ['orders:write', 'orders:read'] }, policy).scopes).toEqual(['orders:write', 'orders:read']);
      });

      it('refuses any other scope with 400 SCOPE_NOT_ALLOWED, naming it and the allowed set', () => {
        const error = refusal({ name: 'CI', scopes: ['orders:read', 'admin'] }, policy, NOW, 'SCOPE_NOT_ALLOWED');
        expect(error.message).toBe('scope "admin" not allowed (allowed: orders:read, orders:write)');
      });

      it('refuses every scope when the API allows none, but a key without scopes is fine', () => {
        const none = testKeyPolicy({ allowedScopes: [] });
        expect(refusal({ name: 'CI', scopes: ['read'] }, none, NOW, 'SCOPE_NOT_ALLOWED').message).toBe(
          'scope "read" not allowed (this API allows no scopes on keys)',
        );
        expect(parse({ name: 'CI' }, none).scopes).toEqual([]);
      });

      it('matches exactly: no prefixes, no case folding, no wildcards', () => {
        for (const scope of ['orders', 'ORDERS:READ', 'orders:*']) {
          refusal({ name: 'CI', scopes: [scope] }, testKeyPolicy({ allowedScopes: ['orders:read', '*'] }), NOW, 'SCOPE_NOT_ALLOWED');
        }
      });
    });

    it('accepts scopes made of letters, digits and : . _ - / *', () => {
      const scopes = ['keys:read', 'orders:write', 'a.b_c-d/e*', 'ALL', '0'];
      expect(parse({ name: 'CI', scopes }).scopes).toEqual(scopes);
    });

    it('accepts an empty array', () => {
      expect(parse({ name: 'CI', scopes: [] }).scopes).toEqual([]);
    });

    it('removes duplicates, keeping the first occurrence order', () => {
      expect(parse({ name: 'CI', scopes: ['b', 'a', 'b', 'c', 'a'] }).scopes).toEqual(['b', 'a', 'c']);
    });

    it.each([
      ['a string', 'keys:read'],
      ['an object', { 0: 'keys:read' }],
      ['null', null],
      ['a number', 1],
    ])('must be an array, not %s', (_label, scopes) => {
      expect(refusal({ name: 'CI', scopes }).message).toBe('scopes: scopes must be an array of strings');
    });

    it.each([
      ['a number', 1],
      ['null', null],
      ['an object', { scope: 'x' }],
      ['an array', ['x']],
    ])('must contain only strings, not %s', (_label, scope) => {
      expect(refusal({ name: 'CI', scopes: ['ok', scope] }).message).toBe('scopes.1: each scope must be a string');
    });

    it.each([
      ['a space', 'keys read'],
      ['a comma', 'a,b'],
      ['a semicolon', 'a;b'],
      ['a non-ASCII letter', 'clés'],
      ['a newline', 'a\nb'],
      ['a NUL', 'a\0b'],
      ['a quote', 'a"b'],
    ])('refuses a scope containing %s, naming its position and the allowed characters', (_label, scope) => {
      expect(refusal({ name: 'CI', scopes: [scope] }).message).toBe('scopes.0: a scope may only contain letters, digits and : . _ - / *');
    });

    it('refuses an empty scope', () => {
      expect(refusal({ name: 'CI', scopes: [''] }).message).toContain('scopes.0: a scope must not be empty');
    });

    it('accepts a scope of 64 characters and refuses one of 65', () => {
      expect(parse({ name: 'CI', scopes: ['s'.repeat(64)] }).scopes).toEqual(['s'.repeat(64)]);
      expect(refusal({ name: 'CI', scopes: ['s'.repeat(65)] }).message).toBe('scopes.0: a scope must be at most 64 characters');
    });

    it('accepts 20 scopes and refuses 21', () => {
      const scopes = Array.from({ length: 21 }, (_, i) => `scope${i}`);
      expect(parse({ name: 'CI', scopes: scopes.slice(0, 20) }).scopes).toHaveLength(20);
      expect(refusal({ name: 'CI', scopes }).message).toBe('scopes: a key may have at most 20 scopes');
    });
  });

  describe('expiresAt', () => {
    it('accepts an ISO-8601 date-time in UTC and returns epoch seconds', () => {
      expect(parse({ name: 'CI', expiresAt: '2025-02-01T00:00:00Z' }).expiresAt).toBe(Date.UTC(2025, 1, 1) / 1000);
    });

    it('honours a numeric time-zone offset', () => {
      expect(parse({ name: 'CI', expiresAt: '2025-02-01T05:30:00+05:30' }).expiresAt).toBe(Date.UTC(2025, 1, 1) / 1000);
      expect(parse({ name: 'CI', expiresAt: '2025-01-31T19:00:00-05:00' }).expiresAt).toBe(Date.UTC(2025, 1, 1) / 1000);
    });

    it('drops fractions of a second', () => {
      expect(parse({ name: 'CI', expiresAt: '2025-02-01T00:00:00.750Z' }).expiresAt).toBe(Date.UTC(2025, 1, 1) / 1000);
    });

    it.each([
      ['a date without a time', '2025-02-01'],
      ['a date-time without a time zone', '2025-02-01T00:00:00'],
      ['a space instead of T', '2025-02-01 00:00:00Z'],
      ['an offset without a colon', '2025-02-01T00:00:00+0530'],
      ['an hour-only offset', '2025-02-01T00:00:00+05'],
      ['a day that does not exist', '2025-02-30T00:00:00Z'],
      ['hour 24', '2025-02-01T24:00:00Z'],
      ['an RFC 2822 date', 'Sat, 01 Feb 2025 00:00:00 GMT'],
      ['words', 'next week'],
      ['an empty string', ''],
    ])('refuses %s', (_label, expiresAt) => {
      expect(refusal({ name: 'CI', expiresAt }).message).toBe(
        'expiresAt: expiresAt must be an ISO-8601 date-time with a time zone, e.g. 2030-01-31T00:00:00Z',
      );
    });

    it.each([
      ['epoch seconds', NOW_SECONDS + DAY],
      ['epoch milliseconds', (NOW_SECONDS + DAY) * 1000],
      ['null', null],
    ])('refuses %s instead of a string', (_label, expiresAt) => {
      expect(refusal({ name: 'CI', expiresAt }).message).toContain('expiresAt must be an ISO-8601 date-time');
    });

    it('must be in the future: now and the past are refused, one second ahead is accepted', () => {
      expect(refusal({ name: 'CI', expiresAt: iso(NOW_SECONDS) }).message).toBe('expiresAt must be in the future');
      expect(refusal({ name: 'CI', expiresAt: iso(NOW_SECONDS - 1) }).message).toBe('expiresAt must be in the future');
      expect(refusal({ name: 'CI', expiresAt: '2000-01-01T00:00:00Z' }).message).toBe('expiresAt must be in the future');
      expect(parse({ name: 'CI', expiresAt: iso(NOW_SECONDS + 1) }).expiresAt).toBe(NOW_SECONDS + 1);
    });

    it('may be exactly maxLifetimeDays ahead, and not one second more', () => {
      const latest = NOW_SECONDS + 365 * DAY;
      expect(parse({ name: 'CI', expiresAt: iso(latest) }).expiresAt).toBe(latest);
      expect(refusal({ name: 'CI', expiresAt: iso(latest + 1) }).message).toBe('expiresAt must be at most 365 days from now');
    });

    it('respects a custom policy', () => {
      const policy: KeyPolicy = testKeyPolicy({ maxKeysPerUser: 5, defaultLifetimeDays: 7, maxLifetimeDays: 30 });
      const latest = NOW_SECONDS + 30 * DAY;
      expect(parse({ name: 'CI', expiresAt: iso(latest) }, policy).expiresAt).toBe(latest);
      expect(refusal({ name: 'CI', expiresAt: iso(latest + 1) }, policy).message).toBe('expiresAt must be at most 30 days from now');
      expect(refusal({ name: 'CI', expiresAt: iso(NOW_SECONDS + 90 * DAY) }, policy).message).toBe(
        'expiresAt must be at most 30 days from now',
      );
    });

    it('never lets the default lifetime exceed the maximum of an inconsistent policy', () => {
      const policy: KeyPolicy = testKeyPolicy({ maxKeysPerUser: 5, defaultLifetimeDays: 90, maxLifetimeDays: 30 });
      expect(parse({ name: 'CI' }, policy).expiresAt).toBe(NOW_SECONDS + 30 * DAY);
    });

    it('is judged against the clock it is given', () => {
      const later = new Date('2026-01-01T00:00:00Z');
      expect(refusal({ name: 'CI', expiresAt: '2025-06-01T00:00:00Z' }, DEFAULT_KEY_POLICY, later).message).toBe(
        'expiresAt must be in the future',
      );
      expect(parse({ name: 'CI', expiresAt: '2025-06-01T00:00:00Z' }).expiresAt).toBe(Date.UTC(2025, 5, 1) / 1000);
    });
  });

  describe('the body', () => {
    it.each([
      ['null', null, 'received null'],
      ['an array', [{ name: 'CI' }], 'received array'],
      ['a string', '{"name":"CI"}', 'received string'],
      ['a number', 42, 'received number'],
      ['undefined', undefined, 'received undefined'],
      ['a boolean', true, 'received boolean'],
    ])('is refused when it is %s', (_label, body, received) => {
      const { message } = refusal(body);
      expect(message).toContain('expected object');
      expect(message).toContain(received);
    });

    it('reports every problem in one message', () => {
      const { message } = refusal({ name: '', scopes: 'all', expiresAt: 'soon', ownerId: 'x' });
      expect(message).toContain('name must be 1 to 100 characters');
      expect(message).toContain('scopes must be an array of strings');
      expect(message).toContain('expiresAt must be an ISO-8601 date-time');
      expect(message).toContain('unknown field "ownerId"');
    });

    it('returns a complete request for a complete body', () => {
      expect(parse({ name: ' Deploy bot ', scopes: ['deploy', 'deploy', 'logs:read'], expiresAt: '2025-03-01T00:00:00Z' })).toEqual({
        name: 'Deploy bot',
        scopes: ['deploy', 'logs:read'],
        expiresAt: Date.UTC(2025, 2, 1) / 1000,
      });
    });
  });
});
