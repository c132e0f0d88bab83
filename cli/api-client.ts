import { ApiError } from '../client/errors';
import { KeysClient } from '../client/keys-client';
import type { AdminUserKeys, AuditEventView, CreatedKey, KeyStatus, KeyView, RotatedKey } from '../client/types';
import { BRAND } from './brand';
import { CliError, EXIT, withRetryAfter, type ExitCode } from './errors';
import { VERSION } from './version';

// The API's own response types, through the client library: the CLI and the server cannot disagree on them.
export type { AdminUserKeys, AuditEventView, CreatedKey, KeyStatus, KeyView, RotatedKey };
export { RETRY_POLICY } from '../client/http';
export { retryAfterSeconds } from '../client/retry-after';

/**
 * Sent with every call, so a key's history says which changes came from this command: its (branded) name and
 * version, `acme-keys/1.4.0 (node v24.1.0)`, as RFC 9110's product tokens.
 */
export const CLI_USER_AGENT = `${BRAND.command}/${VERSION} (node ${process.version})`;

/** Told of the support-staff routes' 403: the token lacks the server's ADMIN_SCOPE. */
export const ADMIN_FORBIDDEN_HINT = 'admin commands need a token with the ADMIN_SCOPE permission; log in as a support user';

export interface KeysApiOptions {
  readonly fetch?: typeof fetch | undefined;
  /** Waits between retries (tests pass one that does not wait). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly now?: (() => Date) | undefined;
  /** Called when a create or rotate was answered with the answer of an earlier attempt (`idempotent-replayed: true`). */
  readonly onReplay?: (() => void) | undefined;
}

function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 429 || status >= 500) return EXIT.server;
  return EXIT.usage;
}

interface Wording {
  /** Added to a 403's message. */
  readonly forbiddenHint?: string;
  /** The call makes a key: a lost answer may have made it all the same. */
  readonly makesKey?: boolean;
}

/** The client's ApiError as the CLI says it: its words, the exit code, the hint of what to do next. */
function cliErrorFor(error: unknown, wording: Wording = {}): unknown {
  if (!(error instanceof ApiError)) return error;
  // An endpoint the token must not go to (plain http off this machine): a setting to fix, as settings.ts says it.
  if (error.code === 'INSECURE_ENDPOINT') return new CliError(error.message, EXIT.usage, error.code);
  // A token no server would take (APIKEY_TOKEN pasted with a line break): nothing was sent.
  if (error.code === 'INVALID_CREDENTIAL') return new CliError(`${error.message} (run ${BRAND.command} login)`, EXIT.auth, error.code);
  // No answer (the network, a refused redirect), or one that is not the API's.
  if (error.status === undefined || error.code === 'INVALID_RESPONSE') {
    const maybe = wording.makesKey === true && error.mayHaveSucceeded;
    // Every attempt's answer lost: the server may have made the key all the same, and running the command again would not know.
    const suffix = maybe ? ` (it may have been done all the same: check ${BRAND.command} list before trying again)` : '';
    return new CliError(`${error.message}${suffix}`, EXIT.server, error.code);
  }
  const hint =
    error.status === 401
      ? ` (run ${BRAND.command} login)`
      : error.status === 403 && wording.forbiddenHint !== undefined
        ? ` (${wording.forbiddenHint})`
        : '';
  return new CliError(
    `${withRetryAfter(error.message, error.retryAfterSeconds)}${hint}`,
    exitCodeFor(error.status),
    error.serverCode ?? error.code,
    error.retryAfterSeconds,
  );
}

/** The key-management API, called with the user's access token: the client library, its errors as CliErrors. */
export class KeysApi {
  private readonly client: KeysClient;

  constructor(endpoint: string, accessToken: string, options: KeysApiOptions = {}) {
    try {
      this.client = new KeysClient({ endpoint, accessToken, userAgent: CLI_USER_AGENT, ...options });
    } catch (error) {
      // The client refuses an endpoint that would carry the token in cleartext (settings.ts refuses it first).
      throw cliErrorFor(error);
    }
  }

  /** One Idempotency-Key per call, kept across its retries: a lost answer never makes a second key. */
  create(body: { name: string; scopes?: string[]; expiresAt?: string }, idempotencyKey?: string): Promise<CreatedKey> {
    return this.run(() => this.client.createKey(body, idempotencyKey !== undefined ? { idempotencyKey } : {}), { makesKey: true });
  }

  /** Every key (only those in one of `statuses`, when given), following the pages. */
  list(statuses?: readonly KeyStatus[]): Promise<KeyView[]> {
    return this.run(() => this.client.listKeys(statuses !== undefined ? { status: statuses } : {}));
  }

  show(id: string): Promise<KeyView> {
    return this.run(() => this.client.getKey(id));
  }

  revoke(id: string): Promise<void> {
    return this.run(() => this.client.revokeKey(id));
  }

  /** A new key with the old one's name, scopes and expiry; without `gracePeriodSeconds`, the server's default grace period. */
  rotate(id: string, gracePeriodSeconds?: number, idempotencyKey?: string): Promise<RotatedKey> {
    return this.run(
      () =>
        this.client.rotateKey(id, {
          ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
          ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
        }),
      { makesKey: true },
    );
  }

  /** Rename, disable or enable; the key's new state. */
  update(id: string, change: { name?: string; enabled?: boolean }): Promise<KeyView> {
    return this.run(() => this.client.updateKey(id, change));
  }

  /** The key's whole history, newest first. */
  events(id: string): Promise<AuditEventView[]> {
    return this.run(() => this.client.listEvents(id));
  }

  /** Support staff: every key of the user `sub` (only those in one of `statuses`, when given). */
  adminList(sub: string, statuses?: readonly KeyStatus[]): Promise<AdminUserKeys> {
    return this.run(() => this.client.adminListKeys(sub, statuses !== undefined ? { status: statuses } : {}), {
      forbiddenHint: ADMIN_FORBIDDEN_HINT,
    });
  }

  /** Support staff: revoke every key of the user `sub`; how many it revoked. */
  adminRevokeAll(sub: string): Promise<{ revoked: number }> {
    return this.run(() => this.client.adminRevokeAllKeys(sub), { forbiddenHint: ADMIN_FORBIDDEN_HINT });
  }

  private async run<T>(call: () => Promise<T>, wording?: Wording): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw cliErrorFor(error, wording);
    }
  }
}
