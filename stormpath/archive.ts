import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
// node-tar (isaacs) is npm's own tar reader; its Parser hands over each entry's header before its
// data, so the type, path and size are checked before a byte is written.
import { Parser, type ReadEntry } from 'tar';
// yauzl reads the central directory (names, sizes, flags) before any data, streams one entry at
// a time instead of loading the archive, and refuses `..` and absolute names itself.
import { openPromise as openZip, type Entry as ZipEntry } from 'yauzl';
import { errorCode, ExportError, readStormpathExport, type ReadExportOptions, type StormpathExport } from './export-reader';

/*
 * A Stormpath export given as its archive (a `.zip` without password, or a `.tar.gz` like the
 * sample export of Okta's migration tool, `stormpath-exports/<tenantId>/accounts/*.json`): its
 * `.json` files are unpacked into a fresh temporary folder only the user can read (the export's
 * secrets are plaintext), read as a folder would be, and the folder is deleted whatever happens.
 * Paths in the result and in errors name the file inside the archive, `<archive>/<entry>`.
 */

export interface ArchiveLimits {
  /** Entries (files, folders, anything) in the archive. */
  readonly maxEntries: number;
  /** Uncompressed bytes: a tar's whole stream, or the sum of a ZIP's entries. */
  readonly maxBytes: number;
}

/** Far above a real export (Okta's sample: a few thousand small files), far below a full disk. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 200_000, maxBytes: 2 * 1024 ** 3 };

export interface ReadExportOrArchiveOptions extends ReadExportOptions {
  readonly limits?: Partial<ArchiveLimits> | undefined;
  /** Where the temporary copy is made. Default: the system's temporary folder. */
  readonly tempParent?: string | undefined;
}

type ArchiveKind = 'zip' | 'tar.gz';

/** A folder is read as it is; a `.zip`, `.tar.gz` or `.tgz` file is unpacked first. Anything else is the reader's to refuse. */
export async function readStormpathExportOrArchive(path: string, options: ReadExportOrArchiveOptions = {}): Promise<StormpathExport> {
  const kind = archiveKindOf(path);
  const isFile = await stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (kind === undefined || !isFile) return readStormpathExport(path, options);
  return readArchive(resolve(path), kind, options);
}

function archiveKindOf(path: string): ArchiveKind | undefined {
  if (/\.zip$/i.test(path)) return 'zip';
  if (/\.(tar\.gz|tgz)$/i.test(path)) return 'tar.gz';
  return undefined;
}

async function readArchive(archive: string, kind: ArchiveKind, options: ReadExportOrArchiveOptions): Promise<StormpathExport> {
  const budget = new ArchiveBudget(archive, { ...DEFAULT_ARCHIVE_LIMITS, ...definedOnly(options.limits ?? {}) });
  // mkdtemp makes the folder 0700; the files in it are made 0600.
  const temp = await mkdtemp(join(options.tempParent ?? tmpdir(), 'stormpath-import-'));
  try {
    await (kind === 'zip' ? unzipInto(archive, temp, budget) : untarInto(archive, temp, budget));
    const exported = await readStormpathExport(await exportFolder(temp), options);
    return relocated(exported, temp, archive);
  } catch (error) {
    if (error instanceof ExportError) throw relocatedError(error, temp, archive);
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true, maxRetries: 2 }).catch((error: unknown) => {
      throw new ExportError(
        temp,
        `the temporary copy of ${archive} could not be deleted (${errorCode(error)}): delete it, it holds the export's secrets`,
      );
    });
  }
}

/** The folder to read: the unpacked one, or the one folder it holds (the archive's wrapper, as `stormpath-exports/`). */
async function exportFolder(temp: string): Promise<string> {
  const entries = await readdir(temp, { withFileTypes: true });
  const [only, ...others] = entries;
  if (only === undefined || others.length > 0 || only.name === 'accounts' || !only.isDirectory()) return temp;
  return join(temp, only.name);
}

// --- Limits ------------------------------------------------------------------------------

class ArchiveBudget {
  private entries = 0;
  private declaredBytes = 0;
  private streamedBytes = 0;

  constructor(
    private readonly archive: string,
    private readonly limits: ArchiveLimits,
  ) {}

  expectEntries(count: number): void {
    if (count > this.limits.maxEntries) throw this.tooManyEntries();
  }

  /** One more entry of `size` bytes, as its header says: refused before its data is read. */
  admit(size: number): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) throw this.tooManyEntries();
    this.declaredBytes += size;
    if (this.declaredBytes > this.limits.maxBytes) throw this.tooLarge();
  }

  /** Bytes as they are decompressed: a header that lies about a size stops here, not on a full disk. */
  streamed(bytes: number): void {
    this.streamedBytes += bytes;
    if (this.streamedBytes > this.limits.maxBytes) throw this.tooLarge();
  }

  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        try {
          this.streamed(chunk.length);
          done(null, chunk);
        } catch (error) {
          done(error as Error);
        }
      },
    });
  }

  private tooManyEntries(): ExportError {
    return new ExportError(this.archive, `refused: more than ${this.limits.maxEntries} entries`);
  }

  private tooLarge(): ExportError {
    return new ExportError(this.archive, `refused: more than ${bytesText(this.limits.maxBytes)} uncompressed`);
  }
}

function bytesText(bytes: number): string {
  const units = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const;
  const unit = units.find(([, size]) => bytes >= size && bytes % size === 0);
  return unit === undefined ? `${bytes} bytes` : `${bytes / unit[1]} ${unit[0]}`;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as Partial<T>;
}

// --- Entries -----------------------------------------------------------------------------

type EntryKind = 'file' | 'folder' | 'symbolic link' | 'hard link' | 'device' | 'FIFO' | 'special file';

/**
 * Where an entry goes, relative to the temporary folder, or undefined when it is not unpacked.
 * Only files and folders may be in the archive; only `.json` files are unpacked (the reader reads
 * nothing else), without macOS's `__MACOSX/` and `._*` companions, which are not JSON.
 */
function unpackedPath(archive: string, name: string, kind: EntryKind): string | undefined {
  const refusal = nameRefusal(archive, name);
  if (refusal !== undefined) throw refusal;
  if (kind !== 'file' && kind !== 'folder') {
    throw new ExportError(archive, `refused: entry ${name} is a ${kind}: only files and folders may be in the archive`);
  }
  const parts = name.split(/[/\\]/).filter((segment) => segment !== '' && segment !== '.');
  const base = parts.at(-1) ?? '';
  const wanted = kind === 'file' && base.endsWith('.json') && !base.startsWith('._') && parts[0] !== '__MACOSX';
  return wanted ? parts.join('/') : undefined;
}

/** Why a name may not be unpacked: it would land outside the temporary folder. */
function nameRefusal(archive: string, name: string): ExportError | undefined {
  if (/^([/\\]|[A-Za-z]:)/.test(name)) return new ExportError(archive, `refused: entry ${name} has an absolute path`);
  if (name.split(/[/\\]/).includes('..')) return new ExportError(archive, `refused: entry ${name} leads out of the archive's folder (..)`);
  if (name.includes('\0')) return new ExportError(archive, `refused: entry ${name} has a NUL in its name`);
  return undefined;
}

/**
 * A new file, user-only, its folders made as needed (`folders` remembers those made: thousands of
 * account files share one); an entry listed twice is refused (which copy would be the export?).
 */
async function createFile(archive: string, temp: string, relative: string, folders: Set<string>): Promise<FileHandle> {
  const target = join(temp, relative);
  const folder = dirname(target);
  try {
    if (!folders.has(folder)) await mkdir(folder, { recursive: true, mode: 0o700 });
    folders.add(folder);
    return await open(target, 'wx', 0o600);
  } catch (error) {
    const problem = errorCode(error) === 'EEXIST' ? 'is in the archive twice' : `cannot be unpacked (${errorCode(error)})`;
    throw new ExportError(archive, `entry ${relative} ${problem}`);
  }
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length;) {
    offset += (await file.write(chunk, offset)).bytesWritten;
  }
}

function unpackError(archive: string, format: string, error: unknown): ExportError {
  if (error instanceof ExportError) return error;
  return new ExportError(archive, `is not a readable ${format} (${messageOf(error).split('\n')[0]})`);
}

/** Not `instanceof Error`: zlib's and fs's errors come from another realm under jest (see errorCode). */
function messageOf(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}

// --- .tar.gz -----------------------------------------------------------------------------

const TAR_KINDS: Readonly<Record<string, EntryKind>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'folder',
  GNUDumpDir: 'folder',
  SymbolicLink: 'symbolic link',
  Link: 'hard link',
  CharacterDevice: 'device',
  BlockDevice: 'device',
  FIFO: 'FIFO',
};

/**
 * The tar is gunzipped here (so every decompressed byte is counted) and parsed by node-tar's Parser,
 * which emits each entry's data as it parses the chunk written to it. Writes to disk are chained
 * and awaited before the next chunk: one file open at a time, at most one chunk held in memory.
 */
async function untarInto(archive: string, temp: string, budget: ArchiveBudget): Promise<void> {
  const parser = new Parser({ strict: true });
  const folders = new Set<string>();
  // Parser and refusal errors are Errors; the first one is the one reported.
  let failure: Error | undefined;
  let writes: Promise<void> = Promise.resolve();
  let current: FileHandle | undefined;
  let ended = false;
  const then = (step: () => Promise<void>) => {
    writes = writes.then(step);
  };
  const stop = (error: unknown) => {
    failure ??= error as Error;
    parser.abort(new Error('stopped'));
  };
  parser.on('error', (error: Error) => {
    failure ??= error;
  });
  // The end-of-archive blocks: what follows is padding, or garbage the parser would only buffer.
  parser.on('eof', () => {
    ended = true;
  });
  // Entries of a type node-tar does not know (and oversized pax headers): counted, never unpacked.
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    try {
      budget.admit(entry.size);
    } catch (error) {
      stop(error);
    }
  });
  parser.on('entry', (entry: ReadEntry) => {
    try {
      budget.admit(entry.size);
      const relative = unpackedPath(archive, entry.path, TAR_KINDS[entry.type] ?? 'special file');
      if (relative === undefined) {
        entry.resume();
        return;
      }
      then(async () => {
        current = await createFile(archive, temp, relative, folders);
      });
      entry.on('data', (chunk: Buffer) => {
        then(async () => {
          if (current !== undefined) await writeAll(current, chunk);
        });
      });
      entry.on('end', () => {
        then(async () => {
          await current?.close();
          current = undefined;
        });
      });
    } catch (error) {
      stop(error);
    }
  });

  try {
    await pipeline(createReadStream(archive), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        budget.streamed(chunk.length);
        if (!ended) parser.write(chunk);
        await writes;
        if (failure !== undefined) throw failure;
      }
      parser.end();
      await writes;
      if (failure !== undefined) throw failure;
    });
  } catch (error) {
    throw unpackError(archive, 'tar.gz', failure ?? error);
  } finally {
    await writes.catch(() => undefined);
    await current?.close();
  }
}

// --- .zip --------------------------------------------------------------------------------

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** A ZIP says an entry's type in the Unix mode in its external attributes' high 16 bits (0 when made elsewhere). */
function zipEntryKind(entry: ZipEntry): EntryKind {
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) return 'symbolic link';
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return 'special file';
  return type === S_IFDIR || entry.fileName.endsWith('/') ? 'folder' : 'file';
}

async function unzipInto(archive: string, temp: string, budget: ArchiveBudget): Promise<void> {
  const passwordProtected = () =>
    new ExportError(archive, `the ZIP is password-protected: unzip it first (unzip -d <folder> ${archive}), then pass the folder`);
  const zip = await openZip(archive, { lazyEntries: true, autoClose: false }).catch((error: unknown) => {
    throw unpackError(archive, 'ZIP', error);
  });
  const folders = new Set<string>();
  try {
    budget.expectEntries(zip.entryCount);
    for await (const entry of zip.eachEntry()) {
      if (entry.isEncrypted()) throw passwordProtected();
      budget.admit(entry.uncompressedSize);
      const relative = unpackedPath(archive, entry.fileName, zipEntryKind(entry));
      if (relative === undefined) continue;
      const file = await createFile(archive, temp, relative, folders);
      // Opened last and piped at once: yauzl's stream inflates (and may fail) as soon as it exists.
      const data = await zip.openReadStreamPromise(entry).catch(async (error: unknown) => {
        await file.close();
        throw error;
      });
      await pipeline(data, budget.counter(), file.createWriteStream());
    }
  } catch (error) {
    // yauzl refuses these names, or AES ("strong") encryption, before handing the entry over.
    const message = messageOf(error);
    if (message.startsWith('strong encryption')) throw passwordProtected();
    const refusedName = /^(absolute path|invalid relative path): (.*)$/s.exec(message)?.[2];
    throw (refusedName === undefined ? undefined : nameRefusal(archive, refusedName)) ?? unpackError(archive, 'ZIP', error);
  } finally {
    zip.close();
  }
}

// --- Paths inside the archive ---------------------------------------------------------------

function insideArchive(temp: string, archive: string): (path: string) => string {
  return (path) => (path === temp ? archive : path.startsWith(temp + sep) ? archive + path.slice(temp.length) : path);
}

function relocated(exported: StormpathExport, temp: string, archive: string): StormpathExport {
  const place = insideArchive(temp, archive);
  // With no meta.json the reader names the tenant after its folder: here, the archive, not the temporary copy.
  const namedAfterTemp = exported.root === temp && exported.tenantId === basename(temp);
  return {
    ...exported,
    tenantId: namedAfterTemp ? basename(archive).replace(/\.(zip|tar\.gz|tgz)$/i, '') : exported.tenantId,
    root: place(exported.root),
    accounts: new Map([...exported.accounts].map(([id, account]) => [id, { ...account, file: place(account.file) }])),
    keys: exported.keys.map((key) => ({ ...key, file: place(key.file) })),
    skipped: exported.skipped.map((entry) => (entry.file === undefined ? entry : { ...entry, file: place(entry.file) })),
  };
}

function relocatedError(error: ExportError, temp: string, archive: string): ExportError {
  return new ExportError(insideArchive(temp, archive)(error.file), error.problem.replaceAll(temp, archive));
}
