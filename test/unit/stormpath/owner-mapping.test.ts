import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExportError, type StormpathAccount } from '../../../stormpath/export-reader';
import {
  DEFAULT_OWNER_TEMPLATE,
  ownerResolver,
  parseOwnerTemplate,
  readAuth0Users,
  type Auth0UserIndex,
} from '../../../stormpath/owner-mapping';
import { stormpathTempDir } from '../../support/stormpath-export';

let dir: string;
beforeEach(() => {
  dir = stormpathTempDir();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** An account with these fields; a field given as undefined is left out. */
function account(fields: { [K in keyof StormpathAccount]?: StormpathAccount[K] | undefined } = {}): StormpathAccount {
  const merged = {
    accountId: '1xafizEfeISCRb1uP5tShg',
    email: 'Ada@Example.com',
    username: 'ada',
    enabled: true,
    emailVerification: 'verified',
    file: '/export/accounts/1xafizEfeISCRb1uP5tShg.json',
    ...fields,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)) as unknown as StormpathAccount;
}

function usersFile(name: string, contents: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, contents);
  return file;
}

async function readUsersError(file: string): Promise<ExportError> {
  const error: unknown = await readAuth0Users(file).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

describe('parseOwnerTemplate', () => {
  it.each([
    ['{accountId}', 'auth0|{accountId}', 'auth0|1xafizEfeISCRb1uP5tShg'],
    ['{email}', 'email|{email}', 'email|Ada@Example.com'],
    ['{username}', 'stormpath|{username}', 'stormpath|ada'],
    ['all three', '{username}:{email}:{accountId}', 'ada:Ada@Example.com:1xafizEfeISCRb1uP5tShg'],
    ['a placeholder alone', '{accountId}', '1xafizEfeISCRb1uP5tShg'],
  ])('fills in %s', (_name, template, ownerId) => {
    expect(ownerResolver({ template: parseOwnerTemplate(template) })(account())).toEqual({ ok: true, ownerId });
  });

  it('defaults to auth0|{accountId}', () => {
    expect(DEFAULT_OWNER_TEMPLATE).toBe('auth0|{accountId}');
    expect(ownerResolver({})(account())).toEqual({ ok: true, ownerId: 'auth0|1xafizEfeISCRb1uP5tShg' });
  });

  it.each([
    [
      'an unknown placeholder',
      'auth0|{id}',
      'owner template "auth0|{id}" has an unknown placeholder {id} (use {accountId}, {email} or {username})',
    ],
    ['a wrongly cased placeholder', '{AccountId}', 'has an unknown placeholder {AccountId}'],
    ['an empty placeholder', 'auth0|{}', 'has an unknown placeholder {}'],
    ['an unclosed brace', 'auth0|{accountId', 'owner template "auth0|{accountId" has an unbalanced { at character 7'],
    ['a stray closing brace', 'auth0|accountId}{email}', 'has an unbalanced } at character 16'],
    ['nested braces', '{{accountId}}', 'has an unbalanced { at character 1'],
    ['no placeholder', 'auth0|someone', 'owner template "auth0|someone" has no placeholder, so every account would get the same owner'],
    ['an empty template', '', 'has no placeholder'],
  ])('refuses %s with a one-line message', (_name, template, message) => {
    let thrown: unknown;
    try {
      parseOwnerTemplate(template);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('keeps a template with a newline on one line in its message', () => {
    expect(() => parseOwnerTemplate('a\nb')).toThrow('owner template "a\\nb" has no placeholder');
  });
});

describe('ownerResolver with a template', () => {
  it.each([
    ['email', '{email}', { email: undefined }, 'account has no email'],
    ['username', 'u|{username}', { username: undefined }, 'account has no username'],
    ['email (empty)', '{email}', { email: '' }, 'account has no email'],
  ])('refuses an account with no %s', (_name, template, fields, reason) => {
    const resolve = ownerResolver({ template: parseOwnerTemplate(template) });
    expect(resolve(account(fields))).toEqual({ ok: false, reason });
  });

  it('refuses an owner id over 256 characters, and accepts one of exactly 256', () => {
    const resolve = ownerResolver({ template: parseOwnerTemplate('{accountId}') });
    expect(resolve(account({ accountId: 'a'.repeat(256) }))).toEqual({ ok: true, ownerId: 'a'.repeat(256) });
    expect(resolve(account({ accountId: 'a'.repeat(257) }))).toEqual({
      ok: false,
      reason: 'owner id would be 257 characters (it must be 1 to 256)',
    });
  });

  it('counts characters, not UTF-16 units', () => {
    const resolve = ownerResolver({ template: parseOwnerTemplate('{username}') });
    expect(resolve(account({ username: '😀'.repeat(256) })).ok).toBe(true);
  });

  it.each(['a\u0000b', 'a\nb', 'a\u007fb', 'a\u2028b'])('refuses an owner id with a control character (%j)', (username) => {
    const resolve = ownerResolver({ template: parseOwnerTemplate('{username}') });
    expect(resolve(account({ username }))).toEqual({ ok: false, reason: 'owner id would contain a control character' });
  });
});

describe('readAuth0Users', () => {
  const ndjson = [
    '{"user_id":"auth0|ada","email":"Ada@Example.com","email_verified":true}',
    '',
    '{"user_id":"google-oauth2|123","email":"  grace@example.com ","email_verified":true}',
    '   ',
    '{"user_id":"auth0|nomail"}',
    '{"user_id":"auth0|dup1","email":"shared@example.com"}',
    '{"user_id":"auth0|dup2","email":"SHARED@example.com"}',
    '{"user_id":"auth0|twice","email":"twice@example.com","email_verified":true}',
    '{"user_id":"auth0|twice","email":"twice@example.com","email_verified":true}',
    '{"user_id":"auth0|unsaid","email":"unsaid@example.com"}',
    '{"user_id":"auth0|unverified","email":"unverified@example.com","email_verified":false}',
    '',
  ].join('\n');

  const resolveWith = (users: Auth0UserIndex, email: string | undefined) => ownerResolver({ users })(account({ email }));

  it('reads NDJSON, skipping blank lines, and matches emails whatever their case and spaces', async () => {
    const users = await readAuth0Users(usersFile('users.ndjson', ndjson));

    expect(users.users).toBe(9);
    expect(resolveWith(users, 'ada@example.com')).toEqual({ ok: true, ownerId: 'auth0|ada' });
    expect(resolveWith(users, ' GRACE@example.COM')).toEqual({ ok: true, ownerId: 'google-oauth2|123' });
    expect(resolveWith(users, 'twice@example.com')).toEqual({ ok: true, ownerId: 'auth0|twice' });
  });

  it('refuses a user the export does not say is verified, and an UNVERIFIED Stormpath account, whatever the user', async () => {
    const users = await readAuth0Users(usersFile('users.ndjson', ndjson));
    expect(resolveWith(users, 'unsaid@example.com')).toEqual({
      ok: false,
      reason: 'the Auth0 user export does not say whether unsaid@example.com is verified (export the email_verified field)',
    });
    expect(ownerResolver({ users })(account({ email: 'ada@example.com', emailVerification: 'unverified' }))).toEqual({
      ok: false,
      reason: "the Stormpath account's email is UNVERIFIED: its email is not proof of its owner",
    });
  });

  it('refuses an email the export does not vouch for, unless told to trust such emails; never an UNVERIFIED one', async () => {
    const users = await readAuth0Users(usersFile('users.ndjson', ndjson));
    const unknown = account({ email: 'ada@example.com', emailVerification: 'unknown' });
    expect(ownerResolver({ users })(unknown)).toMatchObject({ ok: false, reason: expect.stringMatching(/--trust-stormpath-emails/) });
    expect(ownerResolver({ users, trustUnknownEmails: true })(unknown)).toEqual({ ok: true, ownerId: 'auth0|ada' });
    const template = parseOwnerTemplate('auth0|{username}');
    expect(ownerResolver({ template })(unknown)).toMatchObject({ ok: false });
    expect(ownerResolver({ template, trustUnknownEmails: true })(unknown)).toEqual({ ok: true, ownerId: 'auth0|ada' });
    const unverified = account({ email: 'ada@example.com', emailVerification: 'unverified' });
    expect(ownerResolver({ users, trustUnknownEmails: true })(unverified)).toMatchObject({ ok: false });
  });

  it('fills {email} and {username} only from verified accounts; {accountId} from any', () => {
    const unverified = account({ emailVerification: 'unverified' });
    expect(ownerResolver({ template: parseOwnerTemplate('auth0|{email}') })(unverified)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/UNVERIFIED: its email/),
    });
    expect(ownerResolver({ template: parseOwnerTemplate('auth0|{username}') })(unverified)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/UNVERIFIED: its username/),
    });
    expect(ownerResolver({})(unverified)).toEqual({ ok: true, ownerId: 'auth0|1xafizEfeISCRb1uP5tShg' });
  });

  it('reads a JSON array, a file with a byte-order mark, and a gzipped export', async () => {
    const array = JSON.stringify([
      { user_id: 'auth0|ada', email: 'ada@example.com', email_verified: true },
      { user_id: 'auth0|x', name: 'no email' },
    ]);
    const fromArray = await readAuth0Users(usersFile('users.json', array));
    expect(fromArray.users).toBe(2);
    expect(resolveWith(fromArray, 'ADA@example.com')).toEqual({ ok: true, ownerId: 'auth0|ada' });

    const pretty = await readAuth0Users(usersFile('pretty.json', JSON.stringify(JSON.parse(array), null, 2)));
    expect(pretty.users).toBe(2);

    const withBom = await readAuth0Users(usersFile('bom.ndjson', `\uFEFF${ndjson}`));
    expect(withBom.users).toBe(9);

    const gzipped = await readAuth0Users(usersFile('users.json.gz', gzipSync(ndjson)));
    expect(gzipped.users).toBe(9);
    expect(resolveWith(gzipped, 'ada@example.com')).toEqual({ ok: true, ownerId: 'auth0|ada' });
  });

  it('never guesses: no match, an ambiguous email, an unverified email, no email', async () => {
    const users = await readAuth0Users(usersFile('users.ndjson', ndjson));

    expect(resolveWith(users, 'nobody@example.com')).toEqual({ ok: false, reason: 'no Auth0 user has the email nobody@example.com' });
    expect(resolveWith(users, 'shared@example.com')).toEqual({
      ok: false,
      reason: '2 Auth0 users have the email shared@example.com',
    });
    expect(resolveWith(users, 'unverified@example.com')).toEqual({
      ok: false,
      reason: 'the Auth0 user with the email unverified@example.com has not verified it',
    });
    expect(resolveWith(users, undefined)).toEqual({ ok: false, reason: 'account has no email' });
  });

  it('does not use the template when users are given', async () => {
    const users = await readAuth0Users(usersFile('users.ndjson', ndjson));
    const resolve = ownerResolver({ users, template: parseOwnerTemplate('x|{accountId}') });
    expect(resolve(account({ email: 'ada@example.com' }))).toEqual({ ok: true, ownerId: 'auth0|ada' });
  });

  it.each([
    [
      'a line that is not JSON',
      '{"user_id":"auth0|a","email":"a@example.com"}\n\n{"user_id": "auth0|b", "email": "b@exa',
      'line 3 is not valid JSON',
    ],
    ['a line that is not an object', '{"user_id":"auth0|a"}\n["auth0|b"]', 'line 2 is not a JSON object'],
    ['a line without user_id', '{"user_id":"auth0|a"}\n{"email":"b@example.com"}', 'line 2 has no string user_id'],
    ['a numeric user_id', '{"user_id":12}', 'line 1 has no string user_id'],
    ['an array item without user_id', '[{"user_id":"auth0|a"},{"email":"b@example.com"}]', 'item 2 has no string user_id'],
    ['a broken array', '[{"user_id":"auth0|a"},\n{"user_id":', 'is not a valid JSON array'],
    ['lines then an array', '{"user_id":"auth0|a"}\n[{"user_id":"auth0|b"}]', 'line 2 is not a JSON object'],
    ['a corrupt gzip file', gzipSync('{"user_id":"auth0|a"}\n').subarray(0, 12), 'is not a valid gzip file'],
  ])('refuses %s, naming the file and where', async (_name, contents, problem) => {
    const file = usersFile('users', contents);
    const error = await readUsersError(file);
    expect(error.message).toBe(`${file}: ${problem}`);
    expect(error.message).not.toMatch(/b@exa/);
  });

  it('refuses a file that does not exist', async () => {
    const file = join(dir, 'missing.ndjson');
    expect((await readUsersError(file)).message).toBe(`${file}: does not exist`);
  });
});
