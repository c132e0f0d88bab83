import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printable } from '../cli/terminal-text';
import { environmentReader, loadSettings } from '../lambdas/settings/load';
import { DEV_GITHUB_KEY_FILE, readDevGitHubKey, signAlert } from '../local/dev-github';

interface Streams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** The key, when not given as an argument: piped, or typed at a terminal (not echoed). */
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
}

const USAGE_EXIT = 2;
const FAILED_EXIT = 1;
export const DEFAULT_ALERT_URL = 'http://127.0.0.1:3000/secret-scanning/github';

class UsageError extends Error {}

const USAGE = `Usage: npm run -s github-alert -- [<key>] [--url <url>] [--type <type>] [--source <source>] [--location <url>]

Plays GitHub's secret scanning: sends one alert for <key> to POST /secret-scanning/github, signed with
the development GitHub's key (DATA_DIR/${DEV_GITHUB_KEY_FILE}, made by npm start), and prints the
status and GitHub's feedback (token_hash, token_type, label). A leaked key of ours is revoked.
Leave <key> out to paste it (not shown) or pipe it in: an argument stays in the shell's history.

  --url <url>        the gateway's route (default ${DEFAULT_ALERT_URL})
  --type <type>      the secret type GitHub names the match with (default user_api_key)
  --source <source>  where GitHub found it (default commit)
  --location <url>   the public URL it was found at (default an example commit)
`;

/** `npm run -s github-alert -- [<key>]`: answers the exit code (0 for a 200). */
export async function runGitHubAlertCli(
  argv: readonly string[],
  streams: Streams,
  env: NodeJS.ProcessEnv,
  cwd: string,
  fetchFn: typeof fetch = fetch,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string', default: DEFAULT_ALERT_URL },
        type: { type: 'string', default: 'user_api_key' },
        source: { type: 'string', default: 'commit' },
        location: { type: 'string', default: 'https://github.com/octocat/Hello-World/blob/main/config.env' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      streams.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError('give at most one key');
    const target = gatewayUrl(values.url);
    const settings = loadSettings('local', environmentReader(env));
    const keyFile = join(resolve(cwd, settings.dataDir), DEV_GITHUB_KEY_FILE);
    const key = await readDevGitHubKey(keyFile);
    if (key === undefined) throw new UsageError(`no ${keyFile}: start npm start first (it makes the development GitHub's key)`);
    const token = positionals[0] ?? (await readToken(streams));
    if (token === '') throw new UsageError('no key given');
    const body = Buffer.from(JSON.stringify([{ token, type: values.type, url: values.location, source: values.source }]), 'utf8');
    const { keyIdentifier, signature } = signAlert(key, body);
    const response = await fetchFn(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'github-public-key-identifier': keyIdentifier,
        'github-public-key-signature': signature,
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    // The answer names the key by its hash alone: safe to print (made printable: it is the server's text).
    streams.stdout.write(`${response.status}\n${printable(await response.text())}\n`);
    return response.status === 200 ? 0 : FAILED_EXIT;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      streams.stderr.write(`github-alert: ${(error as Error).message}\n\n${USAGE}`);
      return USAGE_EXIT;
    }
    streams.stderr.write(`github-alert: ${printable(error instanceof Error ? error.message : String(error))}\n`);
    return FAILED_EXIT;
  }
}

/** https anywhere; http only to this machine, so a real key is never sent in the clear. */
function gatewayUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${printable(text)}`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url;
  throw new UsageError('--url must be https:// (http:// only to 127.0.0.1, localhost or [::1])');
}

/** The key from stdin: the first line when piped; typed at a terminal, read without echo. */
async function readToken(streams: Streams): Promise<string> {
  const { stdin } = streams;
  if (stdin.isTTY === true && stdin.setRawMode !== undefined) {
    streams.stderr.write('Key (not shown): ');
    return readHidden(stdin, streams);
  }
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.length > 4096) break; // a key is ~80 characters
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/** Raw mode: each key press comes here and nothing is echoed; Enter ends, Ctrl-C cancels, Backspace erases. */
function readHidden(stdin: Streams['stdin'], streams: Streams): Promise<string> {
  return new Promise((done, fail) => {
    let typed = '';
    const finish = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      streams.stderr.write('\n');
      if (error !== undefined) fail(error);
      else done(typed.trim());
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') {
          finish();
          return;
        }
        if (char === '\u0003') {
          finish(new UsageError('cancelled'));
          return;
        }
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

if (require.main === module) {
  runGitHubAlertCli(
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
    process.env,
    process.cwd(),
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`github-alert: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = FAILED_EXIT;
    },
  );
}
