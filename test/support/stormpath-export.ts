import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Small synthetic Stormpath tenant exports, written to a folder for tests of stormpath/, shaped like
 * the sample export of robertjd/stormpath-migration (see stormpath/export-reader.ts): `<tenant>/meta.json`,
 * `<tenant>/accounts/<accountId>.json` with keys embedded as `apiKeys: [{ href, id, secret }]`, and
 * `<tenant>/apiKeys/<keyId>.json` files `{ id, secret, status, account: { id, href } }`.
 *
 *   const dir = stormpathTempDir();            // rmSync(dir, { recursive: true, force: true }) after
 *   const written = writeStormpathExport(dir, {
 *     accounts: [
 *       { email: 'ada@example.com', keys: 2 },                                  // two embedded keys
 *       { status: 'DISABLED', keys: [{ layout: 'apiKeys', status: 'DISABLED' }] },
 *     ],
 *   });
 *   await readStormpathExport(written.path);   // written.keys holds each key's id, secret and account
 *
 * Every id and secret is fresh (randomBytes), Stormpath-shaped, and the first generated secret of
 * each export holds both `+` and `/`. Files are written synchronously: a spec is a few lines and the
 * export is on disk when the call returns.
 */

export type KeyLayout = 'account' | 'apiKeys' | 'both';
export type KeyStatus = 'ENABLED' | 'DISABLED';
export type AccountStatus = 'ENABLED' | 'DISABLED' | 'UNVERIFIED';

export interface KeySpec {
  /** Default: a fresh 25-character key id. Give one twice (with or without the same secret) for duplicates. */
  readonly id?: string;
  /** Default: a fresh 43-character secret. */
  readonly secret?: string;
  /** Embedded keys carry no status unless given (as in the sample); `apiKeys/` files default to ENABLED. */
  readonly status?: KeyStatus;
  /** Default: the account's keyLayout. 'both' writes the key, same secret, in both places. */
  readonly layout?: KeyLayout;
  /** How an `apiKeys/` file names its account. Default 'both' (`id` and `href`). */
  readonly accountRef?: 'id' | 'href' | 'both' | 'none';
}

export interface AccountSpec {
  /** Default: a fresh 22-character Stormpath resource id. */
  readonly id?: string;
  /** Default `<id>@example.com`; null writes no email. */
  readonly email?: string | null;
  /** Default: the email; null writes no username. */
  readonly username?: string | null;
  /** Default ENABLED. */
  readonly status?: AccountStatus;
  /** A count of fresh keys, or one spec per key. Default none. */
  readonly keys?: number | readonly KeySpec[];
  /** Where this account's keys go unless a key says otherwise. Default 'account'. */
  readonly keyLayout?: KeyLayout;
  /** Write the account file one folder down, `accounts/<directoryId>/` (as the tool's README shows). */
  readonly inDirectoryFolder?: boolean;
}

export interface ExportSpec {
  /** Default: a fresh 22-character id. */
  readonly tenantId?: string;
  /** The tenant folder's name. Default: the tenant id. */
  readonly folderName?: string;
  /** Write meta.json with the tenant id (the sample has one). Default true. */
  readonly meta?: boolean;
  /** Put the tenant folder in `<dir>/<parentFolder>/`, as an unpacked `stormpath-exports/` is. */
  readonly parentFolder?: string;
  readonly accounts?: readonly AccountSpec[];
  /** `apiKeys/` files for accounts that are not in the export. */
  readonly orphanKeys?: readonly (KeySpec & { readonly accountId: string })[];
  /** Raw files, by path relative to the tenant folder: malformed JSON, stray files. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface WrittenKey {
  readonly keyId: string;
  readonly secret: string;
  readonly accountId: string;
  readonly layout: KeyLayout;
  readonly status?: KeyStatus;
  /** Absolute paths of the files listing the key. */
  readonly files: readonly string[];
}

export interface WrittenAccount {
  readonly accountId: string;
  readonly email?: string;
  readonly username?: string;
  readonly status: AccountStatus;
  readonly file: string;
}

export interface WrittenExport {
  /** What to hand the reader: the parent folder when there is one, else the tenant folder. */
  readonly path: string;
  readonly tenantDir: string;
  readonly tenantId: string;
  readonly accounts: readonly WrittenAccount[];
  /** One entry per key spec (a 'both' key once), orphan keys included. */
  readonly keys: readonly WrittenKey[];
}

const API = 'https://api.stormpath.com/v1';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A fresh temporary folder for one test's export. */
export function stormpathTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stormpath-export-'));
}

function randomString(alphabet: string, length: number): string {
  // 256 is a multiple of neither alphabet's size; the slight bias does not matter for test ids.
  return [...randomBytes(length)].map((byte) => alphabet.charAt(byte % alphabet.length)).join('');
}

/** A Stormpath resource id (account, tenant, directory): 22 base62 characters. */
export const stormpathResourceId = (): string => randomString(BASE62, 22);

/** A Stormpath API key id: 25 characters of A-Z 0-9. */
export const stormpathKeyId = (): string => randomString(KEY_ID_ALPHABET, 25);

/** A Stormpath API key secret: 32 random bytes in unpadded standard base64, 43 characters. */
export function stormpathSecret(options: { readonly withPlusAndSlash?: boolean } = {}): string {
  for (;;) {
    const secret = randomBytes(32).toString('base64').replace(/=+$/, '');
    // About one secret in four has both; retrying keeps the shape honest (no hand-placed characters).
    if (options.withPlusAndSlash !== true || (secret.includes('+') && secret.includes('/'))) return secret;
  }
}

export function writeStormpathExport(dir: string, spec: ExportSpec = {}): WrittenExport {
  const tenantId = spec.tenantId ?? stormpathResourceId();
  const base = spec.parentFolder === undefined ? dir : join(dir, spec.parentFolder);
  const tenantDir = join(base, spec.folderName ?? tenantId);
  mkdirSync(join(tenantDir, 'accounts'), { recursive: true });
  if (spec.meta ?? true) {
    writeJson(join(tenantDir, 'meta.json'), { href: `${API}/tenants/${tenantId}`, id: tenantId, key: 'test-tenant', name: 'test-tenant' });
  }

  let plusAndSlashWritten = false;
  const freshSecret = (): string => {
    const secret = stormpathSecret({ withPlusAndSlash: !plusAndSlashWritten });
    plusAndSlashWritten = true;
    return secret;
  };

  const accounts: WrittenAccount[] = [];
  const keys: WrittenKey[] = [];
  const writeKeyFile = (key: KeySpec, keyId: string, secret: string, accountId: string): string => {
    const file = join(tenantDir, 'apiKeys', `${keyId}.json`);
    const accountRef = key.accountRef ?? 'both';
    const account = {
      ...(accountRef === 'id' || accountRef === 'both' ? { id: accountId } : {}),
      ...(accountRef === 'href' || accountRef === 'both' ? { href: `${API}/accounts/${accountId}` } : {}),
    };
    writeJson(file, {
      href: `${API}/apiKeys/${keyId}`,
      id: keyId,
      secret,
      status: key.status ?? 'ENABLED',
      name: null,
      description: null,
      ...(accountRef === 'none' ? {} : { account }),
      tenant: { href: `${API}/tenants/${tenantId}` },
    });
    return file;
  };

  for (const accountSpec of spec.accounts ?? []) {
    const accountId = accountSpec.id ?? stormpathResourceId();
    const directoryId = stormpathResourceId();
    const email = accountSpec.email === null ? undefined : (accountSpec.email ?? `${accountId.toLowerCase()}@example.com`);
    const username = accountSpec.username === null ? undefined : (accountSpec.username ?? email);
    const status = accountSpec.status ?? 'ENABLED';
    const folder = join(tenantDir, 'accounts', accountSpec.inDirectoryFolder === true ? directoryId : '');
    const file = join(folder, `${accountId}.json`);
    const keySpecs: readonly KeySpec[] =
      typeof accountSpec.keys === 'number' ? Array.from({ length: accountSpec.keys }, () => ({})) : (accountSpec.keys ?? []);

    const embedded: object[] = [];
    for (const key of keySpecs) {
      const keyId = key.id ?? stormpathKeyId();
      const secret = key.secret ?? freshSecret();
      const layout = key.layout ?? accountSpec.keyLayout ?? 'account';
      const files: string[] = [];
      if (layout !== 'apiKeys') {
        embedded.push({ href: `${API}/apiKeys/${keyId}`, id: keyId, secret, ...(key.status === undefined ? {} : { status: key.status }) });
        files.push(file);
      }
      if (layout !== 'account') files.push(writeKeyFile(key, keyId, secret, accountId));
      keys.push({ keyId, secret, accountId, layout, ...(key.status === undefined ? {} : { status: key.status }), files });
    }

    writeJson(file, {
      href: `${API}/accounts/${accountId}`,
      id: accountId,
      ...(username === undefined ? {} : { username }),
      ...(email === undefined ? {} : { email }),
      givenName: 'Test',
      middleName: null,
      surname: 'User',
      fullName: 'Test User',
      status,
      createdAt: '2017-02-11T00:15:53.870000+00:00',
      modifiedAt: '2017-02-11T00:15:53.870000+00:00',
      directory: { href: `${API}/directories/${directoryId}`, id: directoryId, name: 'Test Directory', status: 'ENABLED' },
      customData: { href: `${API}/accounts/${accountId}/customData`, favoriteColor: 'blue' },
      groups: [],
      // Without embedded keys, what Stormpath's API shows: a link to the account's key collection.
      apiKeys: embedded.length > 0 ? embedded : { href: `${API}/accounts/${accountId}/apiKeys` },
    });
    accounts.push({ accountId, ...(email === undefined ? {} : { email }), ...(username === undefined ? {} : { username }), status, file });
  }

  for (const orphan of spec.orphanKeys ?? []) {
    const keyId = orphan.id ?? stormpathKeyId();
    const secret = orphan.secret ?? freshSecret();
    const file = writeKeyFile(orphan, keyId, secret, orphan.accountId);
    keys.push({
      keyId,
      secret,
      accountId: orphan.accountId,
      layout: 'apiKeys',
      ...(orphan.status === undefined ? {} : { status: orphan.status }),
      files: [file],
    });
  }

  for (const [relative, contents] of Object.entries(spec.files ?? {})) {
    const file = join(tenantDir, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, contents);
  }

  return { path: spec.parentFolder === undefined ? tenantDir : base, tenantDir, tenantId, accounts, keys };
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
