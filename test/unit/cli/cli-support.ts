import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli, type CliIo } from '../../../cli/app';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A config directory of its own for each test. */
export const freshConfigDir = (): string => mkdtempSync(join(tmpdir(), 'apikey-cli-'));

/** What a person types on a terminal (`tty`), or what is piped in. */
export function typed(text: string, tty = true): NonNullable<CliIo['stdin']> {
  return Object.assign(Readable.from([text]), { isTTY: tty });
}

/** Runs the CLI in-process with captured output. */
export async function run(argv: string[], io: Partial<CliIo> & { tty?: boolean } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: io.env ?? { APIKEY_CONFIG_DIR: freshConfigDir() },
    stdout: { write: (text: string) => (stdout += text), isTTY: io.tty ?? false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    now: io.now,
    fetch: io.fetch,
    sleep: io.sleep,
    stdin: io.stdin,
    platform: io.platform,
  });
  return { code, stdout, stderr };
}

/** A fetch that answers from a list of canned responses (with their headers, if given) and records the requests. */
export function scriptedFetch(responses: ({ status: number; body?: unknown; headers?: Record<string, string> } | Error)[]) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetchImpl = ((url: string | URL, init?: RequestInit) => {
    requests.push({ url: String(url), init });
    const next = responses.shift();
    if (next === undefined) return Promise.reject(new Error('no more scripted responses'));
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(
      new Response(next.body === undefined ? null : JSON.stringify(next.body), {
        status: next.status,
        ...(next.headers !== undefined ? { headers: next.headers } : {}),
      }),
    );
  }) as typeof fetch;
  return { fetch: fetchImpl, requests };
}

/** An unsigned JWT-shaped token with the given claims (the CLI only peeks; the server verifies). */
export function fakeToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.signature`;
}

/** A fetch that fails the test if the CLI calls it: for refusals that must happen before any request. */
export function forbiddenFetch() {
  const calls: string[] = [];
  const fetchImpl = ((url: string | URL) => {
    calls.push(String(url));
    throw new Error(`no request may be made, but the CLI fetched ${String(url)}`);
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}
