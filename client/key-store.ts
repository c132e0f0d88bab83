import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A key kept on disk, with what it is good for: which API, until when. */
export interface SavedKey {
  /** The key's id (public: it names the key in lists and URLs). */
  readonly id: string;
  /** The whole key: the secret. */
  readonly key: string;
  /** The API gateway the key was made for; send it nowhere else. */
  readonly endpoint: string;
  /** ISO-8601: the key's `expiresAt`. */
  readonly expiresAt: string;
}

/** Why a key file was not read: others could read it (or it is not a plain file of this user's), or it is not a saved key. */
export type KeyStoreErrorCode = 'KEY_FILE_EXPOSED' | 'KEY_FILE_INVALID';

export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
  constructor(
    message: string,
    readonly code: KeyStoreErrorCode,
    readonly path: string,
  ) {
    super(message);
  }
}

export interface KeyStoreOptions {
  /** Decides whether a saved key has expired. */
  readonly now?: (() => Date) | undefined;
}

/** Mode bits only POSIX systems keep: on Windows the file's ACL (the user's profile) guards it instead. */
const POSIX = process.platform !== 'win32';

function parseSavedKey(text: string): SavedKey | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, key, endpoint, expiresAt } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof key !== 'string' || typeof endpoint !== 'string' || typeof expiresAt !== 'string') return undefined;
  if (Number.isNaN(Date.parse(expiresAt))) return undefined;
  return { id, key, endpoint, expiresAt };
}

/**
 * One key in one file, readable and writable by its owner alone: the file is 0600 inside a
 * 0700 directory, written whole to a temporary file and renamed into place, so a crash never
 * leaves half a key and no reader ever sees one. A file that others can read (or that is not
 * a plain file owned by this user, such as a link planted in its place) is refused rather
 * than used, as ssh refuses a private key with loose permissions: the key in it may already
 * be someone else's too, so the owner should revoke it, not go on using it.
 */
export class KeyStore {
  private readonly now: () => Date;

  constructor(
    /** The file, e.g. `~/.config/<your-cli>/api-key.json`. */
    readonly path: string,
    options: KeyStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Keeps `key`, replacing any saved before. */
  async save(key: SavedKey): Promise<void> {
    const dir = dirname(this.path);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = join(dir, `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    // O_EXCL: never write into a file someone else made; the mode is set at creation, so the key is never readable by others.
    const file = await fs.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await file.writeFile(`${JSON.stringify({ id: key.id, key: key.key, endpoint: key.endpoint, expiresAt: key.expiresAt }, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await fs.rename(temporary, this.path);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  /**
   * The saved key; undefined when there is none or it has expired (the file is left: `remove()` deletes it).
   * A file others can read throws KEY_FILE_EXPOSED; one that is not a saved key, KEY_FILE_INVALID.
   */
  async load(): Promise<SavedKey | undefined> {
    let file: fs.FileHandle;
    try {
      // O_NOFOLLOW: a link put where the file was is refused (ELOOP), not followed.
      file = await fs.open(this.path, constants.O_RDONLY | (POSIX ? constants.O_NOFOLLOW : 0));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw new KeyStoreError(`${this.path} is a link, not the key file: refused`, 'KEY_FILE_EXPOSED', this.path);
      throw error;
    }
    let text: string;
    try {
      // Checked on the open file itself, so what is read is what was checked.
      const stat = await file.stat();
      if (!stat.isFile()) throw new KeyStoreError(`${this.path} is not a file`, 'KEY_FILE_INVALID', this.path);
      if (POSIX && ((stat.mode & 0o077) !== 0 || (process.getuid !== undefined && stat.uid !== process.getuid()))) {
        throw new KeyStoreError(
          `${this.path} can be read by others (mode ${(stat.mode & 0o777).toString(8)}): the key in it may be known; revoke it and save a new one`,
          'KEY_FILE_EXPOSED',
          this.path,
        );
      }
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
    const saved = parseSavedKey(text);
    if (saved === undefined) throw new KeyStoreError(`${this.path} does not hold a saved key`, 'KEY_FILE_INVALID', this.path);
    return Date.parse(saved.expiresAt) > this.now().getTime() ? saved : undefined;
  }

  /** Deletes the file; whether there was one. */
  async remove(): Promise<boolean> {
    try {
      await fs.unlink(this.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}
