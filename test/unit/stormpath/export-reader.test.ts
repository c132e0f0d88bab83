import { rmSync, writeFileSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { hashSecret } from '../../../lambdas/domain/secret-hash';
import { ExportError, readStormpathExport, SKIP_REASONS, type StormpathExport } from '../../../stormpath/export-reader';
import { stormpathKeyId, stormpathSecret, stormpathTempDir, writeStormpathExport } from '../../support/stormpath-export';

let dir: string;
beforeEach(() => {
  dir = stormpathTempDir();
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function readError(path: string): Promise<ExportError> {
  const error: unknown = await readStormpathExport(path).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

const keyIds = (exported: StormpathExport) => exported.keys.map((key) => key.keyId);

describe('readStormpathExport: the two layouts', () => {
  it('reads accounts with keys embedded in their files, hashing each secret', async () => {
    const written = writeStormpathExport(dir, { accounts: [{ email: 'ada@example.com', username: 'ada', keys: 2 }, { keys: 1 }] });
    const exported = await readStormpathExport(written.path);

    expect(exported.tenantId).toBe(written.tenantId);
    expect(exported.root).toBe(written.tenantDir);
    expect(exported.accounts.size).toBe(2);
    const [ada] = written.accounts;
    expect(exported.accounts.get(ada!.accountId)).toEqual({
      accountId: ada!.accountId,
      email: 'ada@example.com',
      username: 'ada',
      enabled: true,
      emailVerification: 'unknown',
      file: ada!.file,
    });
    expect(exported.keys).toEqual(
      written.keys
        .map((key) => ({
          keyId: key.keyId,
          secretHash: hashSecret(key.secret),
          enabled: true,
          accountId: key.accountId,
          file: key.files[0],
        }))
        .sort((a, b) => (a.keyId < b.keyId ? -1 : 1)),
    );
    expect(exported.skipped).toEqual([]);
  });

  it('reads apiKeys/ files, naming their account by id or only by href', async () => {
    const written = writeStormpathExport(dir, {
      accounts: [{ keyLayout: 'apiKeys', keys: [{ accountRef: 'id' }, { accountRef: 'href' }, { accountRef: 'both' }] }],
    });
    const exported = await readStormpathExport(written.path);

    const accountId = written.accounts[0]!.accountId;
    expect(exported.keys).toHaveLength(3);
    for (const key of written.keys) {
      expect(exported.keys).toContainEqual({
        keyId: key.keyId,
        secretHash: hashSecret(key.secret),
        enabled: true,
        accountId,
        file: key.files[0],
      });
    }
    expect(exported.skipped).toEqual([]);
  });

  it('skips an apiKeys/ file that names no account', async () => {
    const written = writeStormpathExport(dir, { accounts: [{ keys: [{ layout: 'apiKeys', accountRef: 'none' }] }] });
    const exported = await readStormpathExport(written.path);

    const [key] = written.keys;
    expect(exported.keys).toEqual([]);
    expect(exported.skipped).toEqual([{ keyId: key!.keyId, file: key!.files[0], reason: SKIP_REASONS.noAccount }]);
  });

  it('reads both layouts in one export, and account files one folder down (by directory)', async () => {
    const written = writeStormpathExport(dir, {
      accounts: [{ keys: 2 }, { keyLayout: 'apiKeys', keys: 2 }, { inDirectoryFolder: true, keys: 1 }],
    });
    const exported = await readStormpathExport(written.path);

    expect(exported.accounts.size).toBe(3);
    expect(keyIds(exported)).toEqual(written.keys.map((key) => key.keyId).sort());
  });

  it('counts the same key in both layouts with the same secret once, disabled if either says so', async () => {
    const keyId = stormpathKeyId();
    const secret = stormpathSecret();
    const written = writeStormpathExport(dir, {
      accounts: [
        {
          keys: [
            { layout: 'both' },
            { id: keyId, secret, layout: 'account' },
            { id: keyId, secret, layout: 'apiKeys', status: 'DISABLED' },
          ],
        },
      ],
    });
    const exported = await readStormpathExport(written.path);

    const [both, embedded] = written.keys;
    expect(exported.skipped).toEqual([]);
    expect(exported.keys).toHaveLength(2);
    expect(exported.keys.find((key) => key.keyId === both!.keyId)).toMatchObject({ enabled: true, file: written.accounts[0]!.file });
    expect(exported.keys.find((key) => key.keyId === keyId)).toMatchObject({
      secretHash: hashSecret(secret),
      enabled: false,
      file: embedded!.files[0],
    });
  });
});

describe('readStormpathExport: keys that are skipped', () => {
  it('skips every listing of a key id that comes with two different secrets', async () => {
    const keyId = stormpathKeyId();
    const written = writeStormpathExport(dir, {
      accounts: [{ keys: [{ id: keyId }, {}] }, { keys: [{ id: keyId, layout: 'apiKeys' }] }],
    });
    const exported = await readStormpathExport(written.path);

    expect(keyIds(exported)).toEqual([written.keys[1]!.keyId]);
    const [first, , second] = written.keys;
    expect(exported.skipped).toEqual([
      { keyId, accountId: first!.accountId, file: first!.files[0], reason: SKIP_REASONS.twoSecrets },
      { keyId, accountId: second!.accountId, file: second!.files[0], reason: SKIP_REASONS.twoSecrets },
    ]);
  });

  it('skips a key listed under two accounts, even with the same secret', async () => {
    const keyId = stormpathKeyId();
    const secret = stormpathSecret();
    const written = writeStormpathExport(dir, {
      accounts: [{ keys: [{ id: keyId, secret }] }, { keys: [{ id: keyId, secret, layout: 'apiKeys' }] }],
    });
    const exported = await readStormpathExport(written.path);

    expect(exported.keys).toEqual([]);
    expect(exported.skipped).toHaveLength(2);
    for (const entry of exported.skipped) {
      expect(entry.reason).toBe(`key is listed under 2 accounts (${written.accounts.map((a) => a.accountId).join(', ')})`);
    }
  });

  it('skips a key in apiKeys/ whose account is not in the export', async () => {
    const written = writeStormpathExport(dir, { accounts: [{ keys: 1 }], orphanKeys: [{ accountId: 'NoSuchAccount000000000' }] });
    const exported = await readStormpathExport(written.path);

    const orphan = written.keys[1]!;
    expect(keyIds(exported)).toEqual([written.keys[0]!.keyId]);
    expect(exported.skipped).toEqual([
      {
        keyId: orphan.keyId,
        accountId: 'NoSuchAccount000000000',
        file: orphan.files[0],
        reason: 'account NoSuchAccount000000000 is not in the export',
      },
    ]);
  });

  const good = stormpathSecret();
  it.each([
    ['a lowercase key id', { id: stormpathKeyId().toLowerCase().replace(/^./, 'a') }, SKIP_REASONS.keyId],
    ['a 24-character key id', { id: stormpathKeyId().slice(1) }, SKIP_REASONS.keyId],
    ['a 26-character key id', { id: `${stormpathKeyId()}A` }, SKIP_REASONS.keyId],
    ['a key id with a dash', { id: `${stormpathKeyId().slice(1)}-` }, SKIP_REASONS.keyId],
    ['a numeric key id', { id: 1234 as unknown as string }, SKIP_REASONS.keyId],
    ['a 42-character secret', { secret: good.slice(1) }, SKIP_REASONS.secret],
    ['a padded 44-character secret', { secret: `${good}=` }, SKIP_REASONS.secret],
    ['a base64url secret', { secret: `${good.slice(2)}-_` }, SKIP_REASONS.secret],
    ['a secret with a space', { secret: `${good.slice(1)} ` }, SKIP_REASONS.secret],
  ])('skips an embedded key with %s', async (_name, key, reason) => {
    const written = writeStormpathExport(dir, { accounts: [{ keys: [key, {}] }] });
    const exported = await readStormpathExport(written.path);

    const [bad, fine] = written.keys;
    expect(keyIds(exported)).toEqual([fine!.keyId]);
    expect(exported.skipped).toEqual([
      {
        ...(reason === SKIP_REASONS.keyId ? {} : { keyId: bad!.keyId }),
        accountId: bad!.accountId,
        file: bad!.files[0],
        reason,
      },
    ]);
  });

  it('skips apiKeys/ files with a malformed id or secret, and embedded entries that are not objects', async () => {
    const written = writeStormpathExport(dir, {
      accounts: [
        {
          keyLayout: 'apiKeys',
          keys: [{ id: 'SHORT' }, { secret: 'not a secret' }],
        },
      ],
    });
    const account = written.accounts[0]!;
    writeFileSync(account.file, JSON.stringify({ id: account.accountId, apiKeys: ['a string', null] }));
    const exported = await readStormpathExport(written.path);

    expect(exported.keys).toEqual([]);
    expect(exported.skipped.map((entry) => entry.reason).sort()).toEqual(
      [SKIP_REASONS.notAnObject, SKIP_REASONS.notAnObject, SKIP_REASONS.keyId, SKIP_REASONS.secret].sort(),
    );
  });

  it('accepts secrets with + and / (standard base64)', async () => {
    const secret = stormpathSecret({ withPlusAndSlash: true });
    const written = writeStormpathExport(dir, { accounts: [{ keys: [{ secret }, { secret: stormpathSecret(), layout: 'apiKeys' }] }] });
    const exported = await readStormpathExport(written.path);

    expect(secret).toMatch(/\+/);
    expect(secret).toMatch(/\//);
    expect(exported.keys).toHaveLength(2);
    expect(exported.keys.map((key) => key.secretHash)).toContain(hashSecret(secret));
  });
});

describe('readStormpathExport: statuses', () => {
  it('reads disabled keys (either layout) and disabled accounts, keeping each key as its file says', async () => {
    const written = writeStormpathExport(dir, {
      accounts: [
        { keys: [{ status: 'DISABLED' }, { status: 'ENABLED' }, {}] },
        { keyLayout: 'apiKeys', keys: [{ status: 'DISABLED' }, { status: 'ENABLED' }] },
        { status: 'DISABLED', keys: 1 },
        { status: 'UNVERIFIED', keys: 1 },
      ],
    });
    const exported = await readStormpathExport(written.path);

    const enabledOf = (index: number) => exported.keys.find((key) => key.keyId === written.keys[index]!.keyId)?.enabled;
    expect([0, 1, 2, 3, 4, 5, 6].map(enabledOf)).toEqual([false, true, true, false, true, true, true]);
    const accountEnabled = written.accounts.map((account) => exported.accounts.get(account.accountId)?.enabled);
    expect(accountEnabled).toEqual([true, true, false, true]);
  });

  it('reads an account without email or username', async () => {
    const written = writeStormpathExport(dir, { accounts: [{ email: null, username: null, keys: 1 }] });
    const exported = await readStormpathExport(written.path);

    const account = exported.accounts.get(written.accounts[0]!.accountId)!;
    expect(account).not.toHaveProperty('email');
    expect(account).not.toHaveProperty('username');
  });
});

describe('readStormpathExport: where the tenant is', () => {
  it('takes the tenant id from meta.json, else from the folder name', async () => {
    const withMeta = writeStormpathExport(dir, { tenantId: 'TenantFromMeta', folderName: 'unpacked', accounts: [{}] });
    expect((await readStormpathExport(withMeta.path)).tenantId).toBe('TenantFromMeta');

    const withoutMeta = writeStormpathExport(dir, { folderName: 'FolderNamedTenant', meta: false, accounts: [{}] });
    expect((await readStormpathExport(withoutMeta.path)).tenantId).toBe('FolderNamedTenant');
  });

  it('accepts the folder above a single tenant folder', async () => {
    const written = writeStormpathExport(dir, { parentFolder: 'stormpath-exports', accounts: [{ keys: 1 }] });
    writeFileSync(join(written.path, 'README.txt'), 'not a tenant');
    const exported = await readStormpathExport(written.path);

    expect(written.path).not.toBe(written.tenantDir);
    expect(exported.root).toBe(written.tenantDir);
    expect(exported.tenantId).toBe(written.tenantId);
    expect(exported.keys).toHaveLength(1);
  });

  it('refuses a folder above several tenant folders, naming them', async () => {
    const first = writeStormpathExport(dir, { parentFolder: 'stormpath-exports', tenantId: 'TenantA', accounts: [{}] });
    writeStormpathExport(dir, { parentFolder: 'stormpath-exports', tenantId: 'TenantB', accounts: [{}] });
    const error = await readError(first.path);

    expect(error.message).toBe(`${first.path}: holds 2 tenant folders (TenantA, TenantB): pass one of them`);
    expect(error.file).toBe(first.path);
  });

  it('refuses a path that does not exist', async () => {
    const missing = join(dir, 'no-such-export');
    const error = await readError(missing);
    expect(error.message).toBe(`${missing}: does not exist`);
  });

  it('refuses a file, and says to unpack an archive first', async () => {
    const file = join(dir, 'export.json');
    writeFileSync(file, '{}');
    expect((await readError(file)).message).toBe(`${file}: is not a folder`);

    for (const name of ['export.zip', 'export.tar.gz', 'export.tgz']) {
      const archive = join(dir, name);
      writeFileSync(archive, 'PK');
      const { message } = await readError(archive);
      expect(message).toContain(`${archive}: is an archive: unpack the archive first (`);
      expect(message).toContain(name.endsWith('.zip') ? `unzip -d <folder> ${archive}` : `tar -xzf ${archive} -C <folder>`);
    }
  });

  it('refuses a folder with no accounts/ in it or in a folder below it', async () => {
    writeStormpathExport(dir, { parentFolder: 'a/b', accounts: [{}] });
    const error = await readError(dir);
    expect(error.message).toBe(`${dir}: holds no accounts/ folder, neither directly nor in a tenant folder below it`);
  });
});

describe('readStormpathExport: files that stop the import', () => {
  it('names a file that is not JSON, without quoting it', async () => {
    const secret = stormpathSecret();
    const written = writeStormpathExport(dir, {
      accounts: [{ keys: 1 }],
      files: { 'accounts/broken.json': `{\n  "id": "x",\n  "apiKeys": [{ "secret": "${secret}" }\n` },
    });
    const error = await readError(written.path);

    const file = join(written.tenantDir, 'accounts', 'broken.json');
    expect(error.file).toBe(file);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is not valid JSON`));
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('apiKeys');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it.each([
    ['an array', 'accounts/array.json', '[{"id": "x"}]', 'is not a JSON object'],
    ['a string', 'apiKeys/string.json', '"text"', 'is not a JSON object'],
    ['an account without id', 'accounts/no-id.json', '{"email": "x@example.com"}', 'account file has no string id'],
    ['an account with a numeric id', 'accounts/number-id.json', '{"id": 7}', 'account file has no string id'],
    ['a bad meta.json', 'meta.json', '{', 'is not valid JSON'],
  ])('refuses %s', async (_name, relative, contents, problem) => {
    const written = writeStormpathExport(dir, { accounts: [{ keys: 1 }], files: { [relative]: contents } });
    const error = await readError(written.path);
    expect(error.message).toMatch(`${join(written.tenantDir, relative)}: ${problem}`);
  });

  it('refuses two account files with the same id', async () => {
    const written = writeStormpathExport(dir, {
      accounts: [{ id: 'SameAccountId000000000' }, { id: 'SameAccountId000000000', inDirectoryFolder: true }],
    });
    const error = await readError(written.path);
    expect(error.message).toMatch(/account id SameAccountId000000000 is also in /);
  });

  it('ignores files that do not end in .json, and other folders', async () => {
    const written = writeStormpathExport(dir, {
      accounts: [{ keys: 1 }],
      files: { 'accounts/notes.txt': 'not json', 'accounts/.DS_Store': '\0', 'apiKeys/key.json.bak': '{', 'directories/x.json': '{' },
    });
    const exported = await readStormpathExport(written.path);
    expect(exported.accounts.size).toBe(1);
    expect(exported.keys).toHaveLength(1);
  });
});

describe('readStormpathExport: large exports', () => {
  it('reads thousands of keys for one account, a bounded number of files at a time, reporting progress', async () => {
    const written = writeStormpathExport(dir, {
      accounts: [{ keys: 3000 }, { keyLayout: 'apiKeys', keys: 300 }, ...Array.from({ length: 50 }, () => ({ keys: 1 }))],
    });
    let open = 0;
    let mostOpen = 0;
    const realReadFile = fsPromises.readFile;
    jest.spyOn(fsPromises, 'readFile').mockImplementation(async (...args: Parameters<typeof realReadFile>) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      try {
        return await realReadFile(...args);
      } finally {
        open -= 1;
      }
    });
    const progress: number[] = [];

    const exported = await readStormpathExport(written.path, { concurrency: 4, onProgress: (filesRead) => progress.push(filesRead) });

    expect(exported.keys).toHaveLength(3350);
    expect(exported.skipped).toEqual([]);
    expect(mostOpen).toBeGreaterThan(1);
    expect(mostOpen).toBeLessThanOrEqual(4);
    const files = 52 + 300;
    expect(progress).toEqual(Array.from({ length: files }, (_, i) => i + 1));
  });

  it('refuses a concurrency below 1', async () => {
    const written = writeStormpathExport(dir, { accounts: [{}] });
    await expect(readStormpathExport(written.path, { concurrency: 0 })).rejects.toThrow(RangeError);
  });
});

describe('readStormpathExport: whether an account’s email was verified', () => {
  it('reads emailVerificationStatus, and an UNVERIFIED status, and says unknown when the export does not say', async () => {
    const dir = stormpathTempDir();
    try {
      const account = (id: string, fields: Record<string, string>) => JSON.stringify({ id, email: `${id}@example.com`, ...fields });
      const written = writeStormpathExport(dir, {
        files: {
          'accounts/verified.json': account('verified', { status: 'ENABLED', emailVerificationStatus: 'VERIFIED' }),
          'accounts/refused.json': account('refused', { status: 'ENABLED', emailVerificationStatus: 'UNVERIFIED' }),
          'accounts/pending.json': account('pending', { status: 'UNVERIFIED', emailVerificationStatus: 'VERIFIED' }),
          'accounts/silent.json': account('silent', { status: 'ENABLED' }),
          'accounts/unknown.json': account('unknown', { status: 'ENABLED', emailVerificationStatus: 'UNKNOWN' }),
        },
      });
      const exported = await readStormpathExport(written.path);
      const verification = Object.fromEntries([...exported.accounts].map(([id, read]) => [id, read.emailVerification]));
      expect(verification).toEqual({
        verified: 'verified',
        refused: 'unverified',
        pending: 'unverified',
        silent: 'unknown',
        unknown: 'unknown',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
