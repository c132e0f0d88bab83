import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREDENTIALS_FILE } from '../../../local/dynamodb-credentials';
import {
  DEFAULT_IMPORT_LIFETIME_DAYS,
  importTargetFromEnv,
  ImportUsageError,
  parseExpiry,
  parseScopes,
} from '../../../stormpath/import-settings';
import { runImporter } from '../../support/stormpath-system';
import { writeStormpathExport } from '../../support/stormpath-export';

const NOW = new Date('2026-12-01T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;
const DAY = 86_400;

describe('the importer’s settings', () => {
  it('needs TABLE_NAME against AWS, and takes npm start’s defaults with DYNAMODB_ENDPOINT', () => {
    expect(() => importTargetFromEnv({}, '/')).toThrow(ImportUsageError);
    expect(() => importTargetFromEnv({}, '/')).toThrow(/^TABLE_NAME must be set/);
    expect(importTargetFromEnv({ TABLE_NAME: 'Keys' }, '/')).toEqual({
      tableName: 'Keys',
      maxKeyLifetimeDays: 365,
      auditRetentionDays: 365,
    });
    const local = importTargetFromEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', DATA_DIR: '/nowhere' }, '/');
    expect(local).toMatchObject({ tableName: 'ApiKeys', dynamodb: { endpoint: 'http://127.0.0.1:8000' }, allowedScopes: ['read'] });
  });

  it('finds npm start’s DynamoDB Local key in DATA_DIR, as the other tools do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-settings-'));
    try {
      const credentials = { accessKeyId: `L${'a'.repeat(39)}`, secretAccessKey: 'b'.repeat(40) };
      writeFileSync(join(dir, CREDENTIALS_FILE), JSON.stringify(credentials), { mode: 0o600 });
      expect(importTargetFromEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', DATA_DIR: dir }, '/').dynamodb).toEqual({
        endpoint: 'http://127.0.0.1:8000',
        credentials,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks the scope settings with the schema’s own rules (a bad one names itself)', () => {
    expect(() => importTargetFromEnv({ TABLE_NAME: 'Keys', MAX_KEY_LIFETIME_DAYS: 'ten' }, '/')).toThrow(/MAX_KEY_LIFETIME_DAYS/);
    expect(importTargetFromEnv({ TABLE_NAME: 'Keys', ALLOWED_KEY_SCOPES: 'a,b' }, '/').allowedScopes).toEqual(['a', 'b']);
  });
});

describe('--scopes', () => {
  it('takes allowed scopes, once each', () => {
    expect(parseScopes(undefined, undefined)).toEqual([]);
    expect(parseScopes('read, write,read', ['read', 'write'])).toEqual(['read', 'write']);
  });

  it('refuses a scope not allowed, a malformed one, and any when the allowed ones are unknown', () => {
    expect(() => parseScopes('admin', ['read'])).toThrow(/^--scopes: admin not allowed \(allowed: read\)$/);
    expect(() => parseScopes('read', [])).toThrow(/this API allows no scopes on keys/);
    expect(() => parseScopes('a b', ['a b'])).toThrow(/is not a scope/);
    expect(() => parseScopes('read,', ['read'])).toThrow(/is not a scope/);
    expect(() => parseScopes('read', undefined)).toThrow(/set ROUTE_SCOPES and\/or ALLOWED_KEY_SCOPES/);
  });
});

describe('--expires', () => {
  it('defaults to a year, at most the maximum lifetime', () => {
    expect(parseExpiry(undefined, NOW, 3650)).toBe(nowSeconds + DEFAULT_IMPORT_LIFETIME_DAYS * DAY);
    expect(parseExpiry(undefined, NOW, 90)).toBe(nowSeconds + 90 * DAY);
  });

  it('takes days from now, a date (00:00 UTC) or a full ISO time', () => {
    expect(parseExpiry('30d', NOW, 365)).toBe(nowSeconds + 30 * DAY);
    expect(parseExpiry('2027-06-30', NOW, 365)).toBe(Date.parse('2027-06-30T00:00:00Z') / 1000);
    expect(parseExpiry('2027-06-30T12:30:00+02:00', NOW, 365)).toBe(Date.parse('2027-06-30T10:30:00Z') / 1000);
  });

  it('refuses the past, beyond the maximum, and anything else', () => {
    expect(() => parseExpiry('2020-01-01', NOW, 365)).toThrow(/must be in the future/);
    expect(() => parseExpiry('0d', NOW, 365)).toThrow(/must be in the future/);
    expect(() => parseExpiry('400d', NOW, 365)).toThrow(/at most 365 days from now \(MAX_KEY_LIFETIME_DAYS\)/);
    for (const bad of ['soon', '30', '2027-13-40', '1y', '2027-02-30', '2027-02-29T00:00:00Z']) {
      expect(() => parseExpiry(bad, NOW, 365)).toThrow(ImportUsageError);
    }
    expect(parseExpiry('2028-02-29', NOW, 730)).toBe(Date.parse('2028-02-29T00:00:00Z') / 1000);
  });
});

describe('npm run import:stormpath, before reading anything', () => {
  const run = (args: string[], env: Record<string, string> = { TABLE_NAME: 'Keys' }) => runImporter(args, env);

  it('answers usage errors with exit 2 and one line', async () => {
    for (const [args, env, message] of [
      [[], { TABLE_NAME: 'Keys' }, /missing required argument 'path'/],
      [['/x', '--bogus'], { TABLE_NAME: 'Keys' }, /unknown option '--bogus'/],
      [['/x'], {}, /^import:stormpath: TABLE_NAME must be set/],
      [['/x', '--expires', 'soon'], { TABLE_NAME: 'Keys' }, /^import:stormpath: --expires:/],
      [['/x', '--scopes', 'read'], { TABLE_NAME: 'Keys' }, /^import:stormpath: --scopes: set ROUTE_SCOPES/],
    ] as const) {
      const result = await run([...args], env);
      expect([result.code, result.stdout]).toEqual([2, '']);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('answers a bad owner template or a missing export with exit 1, naming it', async () => {
    const template = await run(['/x', '--owner', 'auth0|{nope}']);
    expect(template.code).toBe(1);
    expect(template.stderr).toMatch(/\{nope\}/);
    const missing = await run(['/definitely/not/here', '--dry-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('/definitely/not/here');
  });

  it('prints what the export says without its control characters (a dry run, on a terminal)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-summary-'));
    try {
      const written = writeStormpathExport(dir, {
        tenantId: 'T\u001b]0;owned\u0007\u001b[2J',
        folderName: 'tenant',
        accounts: [{ keys: [{ id: 'not a stormpath id\u001b[31m' }] }],
      });
      const result = await run([written.path, '--dry-run']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('tenant T?]0;owned??[2J');
      expect(result.stdout).toMatch(/skipped: .*key id is not 25 characters/);
      expect(result.stdout.replace(/\n/g, '')).not.toMatch(/\p{Cc}/u);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps owners by email only when the export vouches for it, or --trust-stormpath-emails says to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-trust-'));
    try {
      const written = writeStormpathExport(dir, { accounts: [{ keys: 2 }] });
      const plain = JSON.parse((await run([written.path, '--dry-run', '--json', '--owner', 'auth0|{email}'])).stdout);
      expect([plain.keys, plain.skipped.length]).toEqual([0, 2]);
      const trusted = JSON.parse(
        (await run([written.path, '--dry-run', '--json', '--owner', 'auth0|{email}', '--trust-stormpath-emails'])).stdout,
      );
      expect([trusted.keys, trusted.skipped.length]).toEqual([2, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints examples with --help', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('npm run -s import:stormpath -- ./stormpath-export --dry-run');
  });
});
