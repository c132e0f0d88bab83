import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { create as createTar, Header, type HeaderData } from 'tar';
import { readStormpathExportOrArchive, type ReadExportOrArchiveOptions } from '../../../stormpath/archive';
import { ExportError, readStormpathExport, type StormpathExport } from '../../../stormpath/export-reader';
import { planImport } from '../../../stormpath/import-plan';
import { DEFAULT_OWNER_TEMPLATE, ownerResolver, parseOwnerTemplate } from '../../../stormpath/owner-mapping';
import { stormpathTempDir, writeStormpathExport, type ExportSpec, type WrittenExport } from '../../support/stormpath-export';
import { runImporter } from '../../support/stormpath-system';

// --- Archives written in the test --------------------------------------------------------

interface ArchiveEntry {
  readonly name: string;
  readonly data?: Buffer;
}

/** Every file and folder under `root`, named as an archive names them (`a/b.json`, `a/`), parents first. */
function entriesUnder(root: string, at = root): ArchiveEntry[] {
  return readdirSync(at, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const path = join(at, entry.name);
      const name = relative(root, path).split('\\').join('/');
      return entry.isDirectory() ? [{ name: `${name}/` }, ...entriesUnder(root, path)] : [{ name, data: readFileSync(path) }];
    });
}

interface ZipSpec extends ArchiveEntry {
  /** Unix mode, type bits included (0o100644 a file, 0o120777 a symbolic link); default by the name. */
  readonly mode?: number;
  readonly encrypted?: boolean;
  /** The uncompressed size the headers claim; default the real one. */
  readonly declaredSize?: number;
}

/** A ZIP as Info-ZIP on Unix writes one: deflated entries, a local header each, then the central directory. */
function zipOf(specs: readonly ZipSpec[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const spec of specs) {
    const data = spec.data ?? Buffer.alloc(0);
    const compressed = deflateRawSync(data);
    const name = Buffer.from(spec.name, 'utf8');
    const flags = 0x800 | (spec.encrypted === true ? 0x1 : 0); // UTF-8 names; bit 0: encrypted
    const size = spec.declaredSize ?? data.length;
    const mode = spec.mode ?? (spec.name.endsWith('/') ? 0o040755 : 0o100644);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt16LE(0x21, 14);
    header.writeUInt32LE(crc32(data), 16);
    header.writeUInt32LE(compressed.length, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE((mode << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, compressed);
    central.push(header, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(specs.length, 8);
  end.writeUInt16LE(specs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

interface TarSpec extends ArchiveEntry {
  readonly type?: HeaderData['type'];
  readonly linkpath?: string;
  /** The size the header claims; default the data's. */
  readonly size?: number;
}

/** A gzipped tar written block by block (node-tar's Header), so it may hold what `tar -c` would never write. */
function rawTarGz(specs: readonly TarSpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const spec of specs) {
    const data = spec.data ?? Buffer.alloc(0);
    const header = Buffer.alloc(512);
    new Header({
      path: spec.name,
      type: spec.type ?? (spec.name.endsWith('/') ? 'Directory' : 'File'),
      size: spec.size ?? data.length,
      mode: spec.name.endsWith('/') ? 0o755 : 0o644,
      mtime: new Date(0),
      ...(spec.linkpath === undefined ? {} : { linkpath: spec.linkpath }),
    }).encode(header, 0);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

// --- Fixtures ---------------------------------------------------------------------------

let dir: string;
let source: string;
let temps: string;
beforeEach(() => {
  dir = stormpathTempDir();
  source = join(dir, 'source');
  temps = join(dir, 'temps');
  mkdirSync(source);
  mkdirSync(temps);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** An export with both key layouts, a directory subfolder, and a key the reader skips. */
function writeExport(spec: ExportSpec = {}): WrittenExport {
  return writeStormpathExport(source, {
    accounts: [
      { email: 'ada@example.com', keys: 2 },
      { keyLayout: 'apiKeys', keys: [{ accountRef: 'href' }, { status: 'DISABLED' }], inDirectoryFolder: true },
      { status: 'DISABLED', keys: [{ id: 'not-a-stormpath-key-id' }] },
    ],
    ...spec,
  });
}

function writeArchive(name: string, contents: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

const read = (path: string, options: ReadExportOrArchiveOptions = {}) =>
  readStormpathExportOrArchive(path, { tempParent: temps, ...options });

async function readError(path: string, options: ReadExportOrArchiveOptions = {}): Promise<ExportError> {
  const error: unknown = await read(path, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

/** What a caller can see of an export, with `from` (where it was read) written as `to`. */
function seen(exported: StormpathExport, from?: string, to?: string): unknown {
  const text = JSON.stringify({ ...exported, accounts: [...exported.accounts], plan: planOf(exported) });
  return JSON.parse(from === undefined || to === undefined ? text : text.replaceAll(from, to));
}

const planOf = (exported: StormpathExport) => planImport(exported, ownerResolver({ template: parseOwnerTemplate(DEFAULT_OWNER_TEMPLATE) }));

/** One line, names the archive (or a file in it), and says none of the export's secrets; the copy is gone. */
function expectRefusal(error: ExportError, archive: string, written: WrittenExport, pattern: RegExp): void {
  expect(error.message).toMatch(pattern);
  expect(error.message.startsWith(`${archive}: `) || error.message.startsWith(`${archive}/`)).toBe(true);
  expect(error.message).not.toMatch(/\n/);
  expect(error.message).not.toContain(temps);
  for (const key of written.keys) expect(error.message).not.toContain(key.secret);
  expect(readdirSync(temps)).toEqual([]);
}

// --- Tests ------------------------------------------------------------------------------

describe('readStormpathExportOrArchive: an archive reads as its folder does', () => {
  it('reads a .tar.gz laid out as Okta’s sample (stormpath-exports/<tenantId>/...), made by node-tar', async () => {
    const written = writeExport({ parentFolder: 'stormpath-exports' });
    const archive = join(dir, 'stormpath-exports.tar.gz');
    await createTar({ gzip: true, file: archive, cwd: source, portable: true }, ['stormpath-exports']);

    const fromFolder = await readStormpathExport(written.path);
    const fromArchive = await read(archive);

    expect(fromArchive.keys).toHaveLength(4);
    expect(fromArchive.skipped).toHaveLength(1);
    expect(fromArchive.tenantId).toBe(written.tenantId);
    expect(fromArchive.root).toBe(join(archive, 'stormpath-exports', written.tenantId));
    expect(seen(fromArchive)).toEqual(seen(fromFolder, source, archive));
    expect(readdirSync(temps)).toEqual([]);
  });

  it('reads a .tgz and a .zip of the tenant folder, folder entries and all', async () => {
    const written = writeExport();
    const fromFolder = await readStormpathExport(written.tenantDir);
    const entries = entriesUnder(source);

    for (const archive of [writeArchive('export.tgz', rawTarGz(entries)), writeArchive('export.ZIP', zipOf(entries))]) {
      expect(seen(await read(archive))).toEqual(seen(fromFolder, source, archive));
      expect(readdirSync(temps)).toEqual([]);
    }
  });

  it('names the tenant after the archive when the archive is the tenant folder and has no meta.json', async () => {
    const written = writeExport({ meta: false });
    const archive = writeArchive('acme-tenant.zip', zipOf(entriesUnder(written.tenantDir)));
    const exported = await read(archive);
    expect(exported.tenantId).toBe('acme-tenant');
    expect(exported.root).toBe(archive);
    expect(exported.keys).toHaveLength(4);
  });

  it('unpacks only the .json files, into a folder and files only the user can read, deleted afterwards', async () => {
    const written = writeExport({ parentFolder: 'stormpath-exports', files: { 'README.txt': 'not read' } });
    const junk = [{ name: '__MACOSX/stormpath-exports/._meta.json', data: Buffer.from([0, 5, 22, 7]) }];
    const archive = writeArchive('export.zip', zipOf([...entriesUnder(source), ...junk]));

    const seenDuringRead: { mode: number; name: string }[] = [];
    await read(archive, {
      onProgress: () => {
        const [temp, ...others] = readdirSync(temps);
        expect(others).toEqual([]);
        const root = join(temps, temp!);
        for (const path of [root, ...readdirSync(root, { recursive: true, encoding: 'utf8' }).map((name) => join(root, name))]) {
          seenDuringRead.push({ mode: statSync(path).mode & 0o777, name: relative(root, path) });
        }
      },
    });

    expect(seenDuringRead.length).toBeGreaterThan(0);
    const names = new Set(seenDuringRead.map((entry) => entry.name));
    expect(names).toContain(join('stormpath-exports', written.tenantId, 'meta.json'));
    expect([...names].filter((name) => /README|MACOSX/.test(name))).toEqual([]);
    for (const { mode, name } of seenDuringRead) {
      expect([name, mode]).toEqual([name, name.endsWith('.json') ? 0o600 : 0o700]);
    }
    expect(readdirSync(temps)).toEqual([]);
  });

  it('makes its temporary copy in the system’s temporary folder by default, and deletes it', async () => {
    const written = writeExport();
    const archive = writeArchive('export.tar.gz', rawTarGz(entriesUnder(source)));
    const ours = () => readdirSync(tmpdir()).filter((name) => name.startsWith('stormpath-import-'));
    const before = ours();
    let during: string[] = [];
    const exported = await readStormpathExportOrArchive(archive, { onProgress: () => (during = ours()) });
    expect(exported.tenantId).toBe(written.tenantId);
    expect(during.filter((name) => !before.includes(name))).toHaveLength(1);
    expect(ours()).toEqual(before);
  });

  it('names the file inside the archive when the export is bad, and deletes the copy', async () => {
    const written = writeExport({ parentFolder: 'stormpath-exports' });
    const secret = written.keys[0]!.secret;
    const broken = { name: `stormpath-exports/${written.tenantId}/accounts/broken.json`, data: Buffer.from(`{ "secret": "${secret}" `) };
    for (const archive of [
      writeArchive('export.tar.gz', rawTarGz([...entriesUnder(source), broken])),
      writeArchive('export.zip', zipOf([...entriesUnder(source), broken])),
    ]) {
      const error = await readError(archive);
      expect(error.message).toBe(`${join(archive, broken.name)}: is not valid JSON (line 1)`);
      expectRefusal(error, archive, written, /is not valid JSON/);
    }
  });

  it('imports from an archive as from its folder (import:stormpath --dry-run --json)', async () => {
    const written = writeStormpathExport(source, { parentFolder: 'stormpath-exports', accounts: [{ keys: 3 }, { keys: 1 }] });
    const archive = writeArchive('stormpath-exports.tar.gz', rawTarGz(entriesUnder(source)));
    const fromFolder = await runImporter([written.path, '--dry-run', '--json'], { TABLE_NAME: 'Keys' });
    const fromArchive = await runImporter([archive, '--dry-run', '--json'], { TABLE_NAME: 'Keys' });
    expect(fromArchive.code).toBe(0);
    expect(JSON.parse(fromArchive.stdout)).toMatchObject({ tenantId: written.tenantId, keys: 4, skipped: [] });
    expect({ ...JSON.parse(fromArchive.stdout), expiresAt: '' }).toEqual({ ...JSON.parse(fromFolder.stdout), expiresAt: '' });
    expect(fromArchive.stderr).toBe(fromFolder.stderr);
    expect(readdirSync(temps)).toEqual([]);
  });
});

describe('readStormpathExportOrArchive: hostile archives are refused', () => {
  // Each after the real export, so its secrets were unpacked before the refusal.
  const formats: { name: string; build: (entries: readonly (TarSpec & ZipSpec)[]) => Buffer }[] = [
    { name: 'export.tar.gz', build: rawTarGz },
    { name: 'export.zip', build: zipOf },
  ];

  it.each(formats)('refuses an entry with an absolute path or a .. segment ($name)', async ({ name, build }) => {
    const written = writeExport();
    for (const [hostile, message] of [
      ['../evil.json', /refused: entry \.\.\/evil\.json leads out of the archive's folder \(\.\.\)$/],
      ['tenant/accounts/../../../evil.json', /refused: entry tenant\/accounts\/\.\.\/\.\.\/\.\.\/evil\.json leads out/],
      ['/tmp/evil.json', /refused: entry \/tmp\/evil\.json has an absolute path$/],
      ['C:/evil.json', /refused: entry C:\/evil\.json has an absolute path$/],
    ] as const) {
      const archive = writeArchive(name, build([...entriesUnder(source), { name: hostile, data: Buffer.from('{}') }]));
      expectRefusal(await readError(archive), archive, written, message);
      expect([existsSync(join(dir, 'evil.json')), existsSync(join(temps, 'evil.json'))]).toEqual([false, false]);
    }
  });

  it.each(formats)('refuses a symbolic link, even one named .json ($name)', async ({ name, build }) => {
    const written = writeExport();
    const link = name.endsWith('.zip')
      ? { name: 'tenant/accounts/link.json', data: Buffer.from('/etc/passwd'), mode: 0o120777 }
      : { name: 'tenant/accounts/link.json', type: 'SymbolicLink' as const, linkpath: '/etc/passwd' };
    const archive = writeArchive(name, build([...entriesUnder(source), link]));
    expectRefusal(
      await readError(archive),
      archive,
      written,
      /refused: entry tenant\/accounts\/link\.json is a symbolic link: only files and folders/,
    );
  });

  it('refuses hard links, devices and FIFOs in a tar', async () => {
    const written = writeExport();
    for (const [type, kind] of [
      ['Link', 'hard link'],
      ['CharacterDevice', 'device'],
      ['BlockDevice', 'device'],
      ['FIFO', 'FIFO'],
    ] as const) {
      const entry = { name: 'meta2.json', type, ...(type === 'Link' ? { linkpath: '/etc/shadow' } : {}) };
      const archive = writeArchive('export.tgz', rawTarGz([...entriesUnder(source), entry]));
      expectRefusal(await readError(archive), archive, written, new RegExp(`refused: entry meta2\\.json is a ${kind}: `));
    }
  });

  it('refuses a device or FIFO in a ZIP', async () => {
    const written = writeExport();
    const archive = writeArchive('export.zip', zipOf([...entriesUnder(source), { name: 'pipe.json', mode: 0o010644 }]));
    expectRefusal(await readError(archive), archive, written, /refused: entry pipe\.json is a special file: /);
  });

  it.each(formats)('refuses more than maxBytes uncompressed, and more than maxEntries ($name)', async ({ name, build }) => {
    const written = writeExport();
    // Not unpacked (only .json files are), but counted all the same.
    const big = { name: `${written.tenantId}/accounts/big.txt`, data: Buffer.alloc(64 * 1024, ' ') };
    const archive = writeArchive(name, build([...entriesUnder(source), big]));
    expectRefusal(
      await readError(archive, { limits: { maxBytes: 48 * 1024 } }),
      archive,
      written,
      /: refused: more than 48 KiB uncompressed$/,
    );
    expectRefusal(
      await readError(archive, { limits: { maxBytes: 66_000 } }),
      archive,
      written,
      /: refused: more than 66000 bytes uncompressed$/,
    );
    expectRefusal(await readError(archive, { limits: { maxEntries: 5 } }), archive, written, /: refused: more than 5 entries$/);
    expect((await read(archive, { limits: { maxBytes: 1024 ** 2, maxEntries: 50 } })).keys).toHaveLength(4);
  });

  it('refuses a tar whose header claims more than 2 GiB, before reading on', async () => {
    const written = writeExport();
    const archive = writeArchive('export.tar.gz', rawTarGz([...entriesUnder(source), { name: 'huge.json', size: 2 * 1024 ** 3 + 1 }]));
    expectRefusal(await readError(archive), archive, written, /: refused: more than 2 GiB uncompressed$/);
  });

  it('stops a ZIP entry that inflates past what it claims (a zip bomb)', async () => {
    const written = writeExport();
    const bomb = { name: 'tenant/accounts/bomb.json', data: Buffer.alloc(8 * 1024 ** 2), declaredSize: 100 };
    const archive = writeArchive('export.zip', zipOf([...entriesUnder(source), bomb]));
    expectRefusal(await readError(archive), archive, written, /: is not a readable ZIP \(too many bytes in the stream\. expected 100\./);
  });

  it('refuses a password-protected ZIP, saying how to unzip it', async () => {
    const written = writeExport();
    const entries = entriesUnder(source).map((entry) => ({ ...entry, encrypted: entry.data !== undefined }));
    const archive = writeArchive('stormpath-export.zip', zipOf(entries));
    const error = await readError(archive);
    expect(error.message).toBe(
      `${archive}: the ZIP is password-protected: unzip it first (unzip -d <folder> ${archive}), then pass the folder`,
    );
    expectRefusal(error, archive, written, /password-protected/);
  });

  it.each(formats)('refuses a file listed twice ($name)', async ({ name, build }) => {
    const written = writeExport();
    const entries = entriesUnder(source);
    const meta = entries.find((entry) => entry.name.endsWith('meta.json'))!;
    const archive = writeArchive(name, build([...entries, { ...meta, data: Buffer.from('{"id":"other"}') }]));
    expectRefusal(await readError(archive), archive, written, new RegExp(`entry ${meta.name} is in the archive twice$`));
  });

  it('refuses what is not a readable archive, naming it', async () => {
    const written = writeExport();
    for (const [name, contents, message] of [
      [
        'export.zip',
        Buffer.from('PK not really'),
        /: is not a readable ZIP \(end of central directory record signature not found\. Either not a zip file, or file is truncated\.\)$/i,
      ],
      ['export.tgz', Buffer.from('not gzip at all'), /: is not a readable tar\.gz \(incorrect header check\)$/],
      ['export.tar.gz', gzipSync(Buffer.from('not a tar')), /: is not a readable tar\.gz \(TAR_BAD_ARCHIVE: /],
      ['export.tar.gz', rawTarGz(entriesUnder(source)).subarray(0, 300), /: is not a readable tar\.gz \(/],
    ] as const) {
      const archive = writeArchive(name, contents);
      expectRefusal(await readError(archive), archive, written, message);
    }
  });
});

describe('readStormpathExportOrArchive: anything else is read as before', () => {
  it('reads a folder, even one named like an archive', async () => {
    const written = writeStormpathExport(source, { folderName: 'export.zip', accounts: [{ keys: 1 }] });
    expect(seen(await read(written.tenantDir))).toEqual(seen(await readStormpathExport(written.tenantDir)));
  });

  it('leaves a missing path or another kind of file to the reader', async () => {
    const text = writeArchive('export.txt', Buffer.from('hello'));
    expect((await readError(text)).message).toBe(`${text}: is not a folder`);
    const missing = join(dir, 'missing.zip');
    expect((await readError(missing)).message).toBe(`${missing}: does not exist`);
    expect(readdirSync(temps)).toEqual([]);
  });
});
