import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One run of a fake tool: what it was given on its command line and on stdin. */
export interface ToolCall {
  readonly tool: string;
  readonly argv: string[];
  readonly stdin: string;
}

/** How the fake behaves: a working keychain, one that fails every call (locked, no daemon), or one that never answers. */
export type FakeMode = 'working' | 'failing' | 'hanging';

export interface FakeKeychain {
  /** A PATH holding only the fake tools. */
  readonly binDir: string;
  /** Every call so far, in order. */
  calls(): ToolCall[];
  /** What the fake keychain holds, by "service/account". */
  entries(): Record<string, string>;
  setMode(mode: FakeMode): void;
}

/**
 * Fake `security` (macOS) and `secret-tool` (libsecret) executables that keep their entries
 * in a JSON file and record argv and stdin, so a test can prove the token only travels on stdin.
 * They speak the real tools' protocols: `security -i` reads `add-generic-password` lines on
 * stdin, exits 44 for a missing item; `secret-tool lookup` exits 1, silently, for one.
 */
export function fakeKeychain(): FakeKeychain {
  const binDir = mkdtempSync(join(tmpdir(), 'fake-keychain-'));
  const state = join(binDir, 'state.json');
  const log = join(binDir, 'calls.jsonl');
  const modeFile = join(binDir, 'mode');
  writeFileSync(state, '{}');
  writeFileSync(modeFile, 'working');
  const common = `
const fs = require('node:fs');
const argv = process.argv.slice(2);
const stdin = fs.readFileSync(0, 'utf8');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ tool: TOOL, argv, stdin }) + '\\n');
const mode = fs.readFileSync(${JSON.stringify(modeFile)}, 'utf8');
if (mode === 'hanging') setInterval(() => {}, 1000);
else {
  if (mode === 'failing') { process.stderr.write('cannot reach the keyring\\n'); process.exit(1); }
  const entries = JSON.parse(fs.readFileSync(${JSON.stringify(state)}, 'utf8'));
  const save = () => fs.writeFileSync(${JSON.stringify(state)}, JSON.stringify(entries));
  const flag = (name) => argv[argv.indexOf(name) + 1];
  main(entries, save, flag);
}`;
  const security = `#!${process.execPath}
const TOOL = 'security';
function main(entries, save, flag) {
  if (argv[0] === '-i') {
    for (const line of stdin.split('\\n').filter(Boolean)) {
      const m = /^add-generic-password -U -s '([^']*)' -a '([^']*)' -w (\\S+)$/.exec(line);
      if (!m) { process.stderr.write('bad line\\n'); process.exit(1); }
      entries[m[1] + '/' + m[2]] = m[3];
    }
    save();
    return;
  }
  const id = flag('-s') + '/' + flag('-a');
  if (argv[0] === 'find-generic-password') {
    if (!(id in entries)) process.exit(44);
    process.stdout.write(entries[id] + '\\n');
  } else if (argv[0] === 'delete-generic-password') {
    if (!(id in entries)) process.exit(44);
    delete entries[id];
    save();
  } else process.exit(2);
}
${common}`;
  const secretTool = `#!${process.execPath}
const TOOL = 'secret-tool';
function main(entries, save) {
  const attrs = argv.filter((word) => !word.startsWith('--')).slice(1);
  const id = attrs[attrs.indexOf('service') + 1] + '/' + attrs[attrs.indexOf('account') + 1];
  if (argv[0] === 'store') { entries[id] = stdin; save(); }
  else if (argv[0] === 'lookup') { if (!(id in entries)) process.exit(1); process.stdout.write(entries[id]); }
  else if (argv[0] === 'clear') { delete entries[id]; save(); }
  else process.exit(2);
}
${common}`;
  for (const [name, source] of [
    ['security', security],
    ['secret-tool', secretTool],
  ] as const) {
    writeFileSync(join(binDir, name), source);
    chmodSync(join(binDir, name), 0o755);
  }
  return {
    binDir,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as ToolCall)
        : [],
    entries: () => JSON.parse(readFileSync(state, 'utf8')) as Record<string, string>,
    setMode: (mode) => {
      writeFileSync(modeFile, mode);
    },
  };
}
