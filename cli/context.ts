import { accessTokenFor } from './access-token';
import { KeysApi } from './api-client';
import { BRAND } from './brand';
import { LoginStore } from './credentials';
import { keychainFor } from './keychain';
import { colorsFor, type Colors } from './output';
import { resolveSettings, type CliSettings, type SettingFlags } from './settings';
import { jsonLine, terminalSafe } from './terminal-text';

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean | undefined };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean | undefined };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now?: (() => Date) | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Where a confirmation is read from; without one (or not a terminal), nothing is asked and a command that needs a yes refuses. */
  readonly stdin?: (NodeJS.ReadableStream & { isTTY?: boolean | undefined }) | undefined;
  /** Which OS keychain to look for (tests pretend to be another platform); process.platform by default. */
  readonly platform?: NodeJS.Platform | undefined;
}

/** The options the command itself takes, before or after a subcommand. */
export interface GlobalOptions extends SettingFlags {
  readonly json?: boolean | undefined;
}

/** What every command group shares, built once per run. */
export interface CliContext {
  readonly io: CliIo;
  readonly now: () => Date;
  /** One line to stdout. */
  readonly out: (text: string) => void;
  /** One line to stderr. */
  readonly err: (text: string) => void;
  /** Colours for stdout, and for stderr: each off unless its own stream is a terminal. */
  readonly colors: Colors;
  readonly errColors: Colors;
  /** `--json`: guessed from argv before parsing, so usage errors honour it, then settled from the parsed flags before the action. */
  json: boolean;
  /** Flags, environment, config file and defaults, resolved when a command needs them (a bad setting fails that command only). */
  readonly settings: () => CliSettings;
  readonly accessToken: (settings: CliSettings) => string;
  /** Where the login of these settings' config directory is kept: the OS keychain when one works, else the file. */
  readonly loginStore: (settings: CliSettings) => LoginStore;
  /** The API client, with the current settings and access token. */
  readonly api: () => KeysApi;
  /**
   * `value` as one line of JSON under --json, else the human text rendered from a copy of
   * `value` whose strings are terminal-safe: what the server sent is never printed raw.
   */
  readonly emit: <T>(value: T, human: (shown: T) => string) => void;
}

export function createContext(io: CliIo, globals: () => GlobalOptions, json: boolean): CliContext {
  const now = io.now ?? (() => new Date());
  const out = (text: string) => {
    io.stdout.write(`${text}\n`);
  };
  const settings = () => resolveSettings(globals(), io.env);
  const loginStore = (current: CliSettings) =>
    new LoginStore(current.configDir, keychainFor({ env: io.env, platform: io.platform ?? process.platform, service: BRAND.command }));
  // APIKEY_TOKEN needs no stored login, so no keychain is asked.
  const accessToken = (current: CliSettings) => current.token ?? accessTokenFor(current, now, loginStore(current));
  const context: CliContext = {
    io,
    now,
    out,
    err: (text) => {
      io.stderr.write(`${text}\n`);
    },
    colors: colorsFor(io.stdout, io.env),
    errColors: colorsFor(io.stderr, io.env),
    json,
    settings,
    accessToken,
    loginStore,
    api: () => {
      const current = settings();
      return new KeysApi(current.endpoint, accessToken(current), {
        fetch: io.fetch,
        sleep: io.sleep,
        now,
        // A retried create or rotate answered from the attempt whose answer was lost: the same key, said quietly.
        onReplay: () => {
          if (!context.json) context.err(context.errColors.dim('(answer of an earlier attempt)'));
        },
      });
    },
    emit: (value, human) => {
      out(context.json ? jsonLine(value) : human(terminalSafe(value)));
    },
  };
  return context;
}
