import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { hashSecret } from '../lambdas/domain/secret-hash';
import { mapBounded } from '../lambdas/domain/map-bounded';

/*
 * Reads an unpacked Stormpath tenant export: its accounts and the API key pairs they minted.
 *
 * The layout is the one Okta's migration tool reads (github.com/robertjd/stormpath-migration):
 * - stormpath/stormpath-export.js and stormpath/file-iterator.js (HEAD, 8f19c01) read the `.json`
 *   files directly in `<tenant>/accounts/` and `<tenant>/apiKeys/`, a key file being
 *   `{ id, secret, status, account: { id } }`;
 * - the sample export it shipped until 2b60ff5 (sample-exports/stormpath-exports.tar.gz) is
 *   `stormpath-exports/<tenantId>/{meta.json, accounts/, directories/, groups/, ...}`, with each key
 *   embedded in its account file as `apiKeys: [{ href, id, secret }]` and the tenant's `id` in meta.json;
 * - its README puts account files one folder deeper, `accounts/<directoryId>/<accountId>.json`.
 * All three shapes are read here. Nothing else in the export names the tenant.
 */

/** A fatal problem with the export: nothing is imported. The message is one line and never quotes a file's contents. */
export class ExportError extends Error {
  override readonly name = 'ExportError';

  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(oneLine(`${file}: ${problem}`));
  }
}

/** Control characters (from a file name or an id) written as escapes, so a message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface StormpathAccount {
  readonly accountId: string;
  readonly email?: string;
  readonly username?: string;
  /** Status is not `DISABLED` (`UNVERIFIED` accounts are enabled: Stormpath let their keys authenticate). */
  readonly enabled: boolean;
  /**
   * Whether Stormpath confirmed the account's email: `emailVerificationStatus`
   * (VERIFIED, UNVERIFIED, UNKNOWN; Okta's importer reads it,
   * robertjd/stormpath-migration stormpath/account.js), or a status of
   * UNVERIFIED. `unknown` when the export does not say (directories without
   * the verification workflow): an email it does not vouch for proves nothing
   * about who holds the account.
   */
  readonly emailVerification: 'verified' | 'unverified' | 'unknown';
  /** Absolute path of the account's file. */
  readonly file: string;
}

export interface StormpathKey {
  readonly keyId: string;
  /** SHA-256 hex of the secret's UTF-8 bytes; the secret itself is never kept */
  readonly secretHash: string;
  /** False when a file listing the key says `DISABLED`. */
  readonly enabled: boolean;
  readonly accountId: string;
  /** Absolute path of the first file listing the key (account files are read before `apiKeys/`). */
  readonly file: string;
}

/** Something left out of the import, and why. Never holds a secret; `keyId` only when the id is well formed. */
export interface SkippedEntry {
  readonly keyId?: string;
  readonly accountId?: string;
  readonly file?: string;
  readonly reason: string;
}

export interface StormpathExport {
  readonly tenantId: string;
  /** Absolute path of the tenant folder (the one holding `accounts/`). */
  readonly root: string;
  readonly accounts: ReadonlyMap<string, StormpathAccount>;
  /** One per key id, sorted by key id. */
  readonly keys: readonly StormpathKey[];
  readonly skipped: readonly SkippedEntry[];
}

export interface ReadExportOptions {
  /** Files read at once; tens of thousands of account files must not all be opened together. */
  readonly concurrency?: number | undefined;
  /** Called after each account or key file is read, with the count so far. */
  readonly onProgress?: ((filesRead: number) => void) | undefined;
}

export const DEFAULT_CONCURRENCY = 32;

// Stormpath key ids are 25 characters of A-Z 0-9; secrets are 32 random bytes in unpadded standard base64.
const KEY_ID_PATTERN = /^[A-Z0-9]{25}$/;
const SECRET_PATTERN = /^[A-Za-z0-9+/]{43}$/;
export const SKIP_REASONS = {
  notAnObject: 'key entry is not a JSON object',
  keyId: 'key id is not 25 characters A-Z 0-9',
  secret: 'secret is not 43 characters of base64',
  noAccount: 'key names no account (account.id or account.href)',
  twoSecrets: 'two different secrets for this key id',
} as const;

const ARCHIVE = /\.(zip|tar\.gz|tgz)$/i;
const ACCOUNT_HREF = /\/accounts\/([^/?#]+)\/?$/;

export async function readStormpathExport(path: string, options: ReadExportOptions = {}): Promise<StormpathExport> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  const root = await locateTenant(resolve(path));
  const tenantId = await readTenantId(root);

  let filesRead = 0;
  const counted = <R>(result: R): R => {
    filesRead += 1;
    options.onProgress?.(filesRead);
    return result;
  };

  // Accounts first: a key file is only checked against the accounts once all are known.
  const accountFiles = await jsonFiles(join(root, 'accounts'), { subfolders: true });
  const accountReadings = await mapBounded(accountFiles, concurrency, async (file) =>
    counted(readAccount(await readJsonObject(file), file)),
  );
  const keyFolder = join(root, 'apiKeys');
  const keyFiles = (await isFolder(keyFolder)) ? await jsonFiles(keyFolder, { subfolders: false }) : [];
  const keyReadings = await mapBounded(keyFiles, concurrency, async (file) => {
    const json = await readJsonObject(file);
    return counted(readKeyEntry(json, file, accountIdOf(json.account)));
  });

  const accounts = indexAccounts(accountReadings.map((reading) => reading.account));
  const readings = [...accountReadings.flatMap((reading) => reading.keys), ...keyReadings];
  const candidates = readings.flatMap((reading) => (reading.ok ? [reading.key] : []));
  const merged = mergeKeys(candidates, accounts);
  return {
    tenantId,
    root,
    accounts,
    keys: merged.keys,
    skipped: [...readings.flatMap((reading) => (reading.ok ? [] : [reading.skipped])), ...merged.skipped],
  };
}

// --- Where the tenant is ---------------------------------------------------------------

/** The tenant folder: `path` itself, or its one subfolder holding `accounts/`. */
async function locateTenant(path: string): Promise<string> {
  const stats = await stat(path).catch((error: unknown) => {
    throw new ExportError(path, isMissing(error) ? 'does not exist' : `cannot be read (${errorCode(error)})`);
  });
  if (!stats.isDirectory()) {
    if (ARCHIVE.test(path)) {
      const unpack = /\.zip$/i.test(path) ? `unzip -d <folder> ${path}` : `mkdir <folder> && tar -xzf ${path} -C <folder>`;
      throw new ExportError(path, `is an archive: unpack the archive first (${unpack}), then pass the folder`);
    }
    throw new ExportError(path, 'is not a folder');
  }
  if (await isFolder(join(path, 'accounts'))) return path;

  const { folders } = await entriesOf(path);
  const tenants: string[] = [];
  for (const folder of folders) {
    if (await isFolder(join(folder, 'accounts'))) tenants.push(folder);
  }
  const [only, ...others] = tenants;
  if (only === undefined) {
    throw new ExportError(path, 'holds no accounts/ folder, neither directly nor in a tenant folder below it');
  }
  if (others.length > 0) {
    const names = tenants.map((folder) => basename(folder)).join(', ');
    throw new ExportError(path, `holds ${tenants.length} tenant folders (${names}): pass one of them`);
  }
  return only;
}

/** The `id` in meta.json (as in the migration tool's sample export), else the tenant folder's name. */
async function readTenantId(root: string): Promise<string> {
  const metaFile = join(root, 'meta.json');
  const isFile = await stat(metaFile).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (!isFile) return basename(root);
  const { id } = await readJsonObject(metaFile);
  return typeof id === 'string' && id !== '' ? detached(id) : basename(root);
}

// --- Files ---------------------------------------------------------------------------

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
}

/** A folder's files and subfolders (symbolic links followed), as sorted absolute paths. */
async function entriesOf(folder: string): Promise<{ files: string[]; folders: string[] }> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: unknown) => {
    throw new ExportError(folder, `cannot be read (${errorCode(error)})`);
  });
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(folder, entry.name);
    const kind = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry;
    if (kind?.isFile() === true) files.push(path);
    else if (kind?.isDirectory() === true) folders.push(path);
  }
  return { files, folders };
}

/** The `.json` files in a folder and, for accounts, in its subfolders one level down; anything else is ignored. */
async function jsonFiles(folder: string, { subfolders }: { readonly subfolders: boolean }): Promise<string[]> {
  const { files, folders } = await entriesOf(folder);
  const nested = subfolders ? await Promise.all(folders.map(async (sub) => (await entriesOf(sub)).files)) : [];
  return [...files, ...nested.flat()].filter((file) => file.endsWith('.json'));
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new ExportError(file, `cannot be read (${errorCode(error)})`);
  });
  const json = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    // JSON.parse's own message quotes the text, which may hold secrets: only the line is passed on.
    throw new ExportError(file, `is not valid JSON${lineOfSyntaxError(json, error)}`);
  }
  if (!isObject(value)) throw new ExportError(file, 'is not a JSON object');
  return value;
}

// --- Accounts and keys -----------------------------------------------------------------

type KeyReading = { readonly ok: true; readonly key: StormpathKey } | { readonly ok: false; readonly skipped: SkippedEntry };

interface AccountReading {
  readonly account: StormpathAccount;
  readonly keys: readonly KeyReading[];
}

function readAccount(json: Record<string, unknown>, file: string): AccountReading {
  const { id, email, username, status, emailVerificationStatus } = json;
  if (typeof id !== 'string' || id === '') throw new ExportError(file, 'account file has no string id');
  const accountId = detached(id);
  const account: StormpathAccount = {
    accountId,
    ...(typeof email === 'string' && email.trim() !== '' ? { email: detached(email.trim()) } : {}),
    ...(typeof username === 'string' && username.trim() !== '' ? { username: detached(username.trim()) } : {}),
    enabled: status !== 'DISABLED',
    emailVerification:
      status === 'UNVERIFIED' || emailVerificationStatus === 'UNVERIFIED'
        ? 'unverified'
        : emailVerificationStatus === 'VERIFIED'
          ? 'verified'
          : 'unknown',
    file,
  };
  return { account, keys: embeddedKeyEntries(json.apiKeys).map((entry) => readKeyEntry(entry, file, accountId)) };
}

/**
 * Keys embedded in an account file: an array in older exports. In Stormpath's API shape `apiKeys` is
 * a link to the collection (`{ href }`, the keys then being in `apiKeys/`) or, expanded, `{ items }`.
 */
function embeddedKeyEntries(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.items)) return value.items as unknown[];
  return [];
}

/** An `apiKeys/` file's account: `account.id`, else the last segment of `account.href`. */
function accountIdOf(account: unknown): string | undefined {
  if (!isObject(account)) return undefined;
  if (typeof account.id === 'string' && account.id !== '') return detached(account.id);
  const fromHref = typeof account.href === 'string' ? ACCOUNT_HREF.exec(account.href)?.[1] : undefined;
  return fromHref === undefined ? undefined : detached(fromHref);
}

/** Checks one key's shape and hashes its secret at once: the secret goes no further than this function. */
function readKeyEntry(entry: unknown, file: string, accountId: string | undefined): KeyReading {
  if (!isObject(entry)) return skip(SKIP_REASONS.notAnObject, { file, accountId });
  const { id, secret, status } = entry;
  if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) return skip(SKIP_REASONS.keyId, { file, accountId });
  const keyId = detached(id);
  if (typeof secret !== 'string' || !SECRET_PATTERN.test(secret)) return skip(SKIP_REASONS.secret, { file, keyId, accountId });
  if (accountId === undefined) return skip(SKIP_REASONS.noAccount, { file, keyId });
  return { ok: true, key: { keyId, secretHash: hashSecret(secret), enabled: status !== 'DISABLED', accountId, file } };
}

function skip(reason: string, at: { file: string; keyId?: string | undefined; accountId?: string | undefined }): KeyReading {
  return { ok: false, skipped: skipped(reason, at) };
}

function skipped(reason: string, at: { file: string; keyId?: string | undefined; accountId?: string | undefined }): SkippedEntry {
  return {
    ...(at.keyId === undefined ? {} : { keyId: at.keyId }),
    ...(at.accountId === undefined ? {} : { accountId: at.accountId }),
    file: at.file,
    reason: oneLine(reason),
  };
}

function indexAccounts(accounts: readonly StormpathAccount[]): ReadonlyMap<string, StormpathAccount> {
  const byId = new Map<string, StormpathAccount>();
  for (const account of accounts) {
    const earlier = byId.get(account.accountId);
    // Two files for one id cannot both be right, and picking one would be a guess.
    if (earlier !== undefined) throw new ExportError(account.file, `account id ${account.accountId} is also in ${earlier.file}`);
    byId.set(account.accountId, account);
  }
  return byId;
}

/**
 * One key per key id. A key listed twice (in its account file and in `apiKeys/`) with the same secret
 * is one key, disabled if either listing says so; two secrets, or two accounts, for one id cannot be
 * told apart, so every listing of it is skipped.
 */
function mergeKeys(
  candidates: readonly StormpathKey[],
  accounts: ReadonlyMap<string, StormpathAccount>,
): { keys: StormpathKey[]; skipped: SkippedEntry[] } {
  const byId = new Map<string, StormpathKey[]>();
  for (const key of candidates) {
    const listings = byId.get(key.keyId);
    if (listings === undefined) byId.set(key.keyId, [key]);
    else listings.push(key);
  }
  const keys: StormpathKey[] = [];
  const skips: SkippedEntry[] = [];
  for (const keyId of [...byId.keys()].sort()) {
    const listings = byId.get(keyId) ?? [];
    const [first] = listings;
    if (first === undefined) continue;
    const accountIds = [...new Set(listings.map((key) => key.accountId))];
    const problem =
      new Set(listings.map((key) => key.secretHash)).size > 1
        ? SKIP_REASONS.twoSecrets
        : accountIds.length > 1
          ? `key is listed under ${accountIds.length} accounts (${accountIds.join(', ')})`
          : undefined;
    if (problem !== undefined) {
      skips.push(...listings.map((key) => skipped(problem, key)));
    } else if (!accounts.has(first.accountId)) {
      skips.push(skipped(`account ${first.accountId} is not in the export`, first));
    } else {
      keys.push({ ...first, enabled: listings.every((key) => key.enabled) });
    }
  }
  return { keys, skipped: skips };
}

// --- Small helpers ---------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy that shares no memory with the file's text: a string taken from a parsed file may be a slice
 * that keeps the whole text (secrets included) alive as long as the export is held (as in key-format.ts).
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

/** ` (line N)` from JSON.parse's error, or nothing: the line, never the message, which quotes the text. */
export function lineOfSyntaxError(text: string, error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const position = typeof message === 'string' ? /at position (\d+)/.exec(message)?.[1] : undefined;
  return position === undefined ? '' : ` (line ${text.slice(0, Number(position)).split('\n').length})`;
}

function isMissing(error: unknown): boolean {
  return errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR';
}

/** A Node error's code (ENOENT, EACCES, Z_DATA_ERROR). Not `instanceof Error`: Node's errors may come from another realm, as under jest. */
export function errorCode(error: unknown): string {
  return isObject(error) && typeof error.code === 'string' ? error.code : 'unknown error';
}
