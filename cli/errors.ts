/** The CLI's exit codes: scripts branch on these. */
export const EXIT = {
  ok: 0,
  usage: 1,
  auth: 2,
  notFound: 3,
  server: 4,
  /** The server refused the change (409): the key is revoked, expired or already rotated, or the key limit is reached. */
  conflict: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** For `apikey --help`: the same words as the README. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  ok',
  '  1  usage error (bad command, flag or value)',
  '  2  not logged in, login expired, or refused by the server (401/403)',
  '  3  no such key (404)',
  '  4  server or network error, or too many requests (429: try again later)',
  "  5  conflict (409): the key's state rules the change out (revoked, expired,",
  '     already rotated, scope no longer allowed) or your key limit is reached',
].join('\n');

/** An error the CLI reports in one line and exits with. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code = 'ERROR',
    /** When the server said to try again (Retry-After), in seconds: in the message, and a field of the JSON error line. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * A server's refusal with when to try again: its message, then "(try again in N s)" unless
 * the message already says so (the API's RATE_LIMITED message does).
 */
export function withRetryAfter(message: string, retryAfterSeconds: number | undefined): string {
  if (retryAfterSeconds === undefined) return message;
  const hint = `try again in ${retryAfterSeconds} s`;
  return message.includes(hint) ? message : `${message} (${hint})`;
}
