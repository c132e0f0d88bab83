import { SCOPE_MAX_LENGTH, SCOPE_PATTERN } from '../lambdas/domain/key-policy';
import { allowedKeyScopes } from '../lambdas/domain/route-scopes';
import { environmentReader, loadSettings } from '../lambdas/settings/load';
import type { DynamoDbCredentials } from '../local/dynamodb-credentials';
import { toolTableFromEnv } from '../local/settings';

type Env = Readonly<Record<string, string | undefined>>;

const DAY_SECONDS = 86_400;
/** Stormpath keys never expired; imported ones do, by default a year on, so owners move to native keys. */
export const DEFAULT_IMPORT_LIFETIME_DAYS = 365;

/** Where the importer writes and what the operator's settings allow, from the same environment as the functions. */
export interface ImportTarget {
  readonly tableName: string;
  /** Set: DynamoDB Local (`npm start`'s, with DATA_DIR's key when there is one). Unset: AWS, default credentials and region. */
  readonly dynamodb?: { readonly endpoint: string; readonly credentials?: DynamoDbCredentials | undefined };
  /** The scopes a key may carry, when the environment says (ROUTE_SCOPES, ALLOWED_KEY_SCOPES); undefined when it does not. */
  readonly allowedScopes?: readonly string[];
  readonly maxKeyLifetimeDays: number;
  readonly auditRetentionDays: number;
}

export class ImportUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportUsageError';
  }
}

/**
 * The settings schema's own checks (as `npm start` reads them). Against AWS
 * the table must be named (no local default guesses at a deployed table),
 * and scopes are checked against ROUTE_SCOPES and ALLOWED_KEY_SCOPES only if
 * they are set, as the stack was given them.
 */
export function importTargetFromEnv(env: Env, cwd: string): ImportTarget {
  const settings = loadSettings('local', environmentReader(env));
  const local = settings.dynamodbEndpoint !== undefined;
  const table = toolTableFromEnv(settings, env, cwd, (message) => new ImportUsageError(message));
  const scopesGiven = local || env.ROUTE_SCOPES !== undefined || env.ALLOWED_KEY_SCOPES !== undefined;
  return {
    ...table,
    // npm start's own ROUTE_SCOPES default (GET /whoami needs read) is no deployed stack's.
    ...(scopesGiven
      ? {
          allowedScopes: allowedKeyScopes(
            local || env.ROUTE_SCOPES !== undefined ? settings.routeScopes : new Map(),
            settings.allowedKeyScopes,
          ),
        }
      : {}),
    maxKeyLifetimeDays: settings.maxKeyLifetimeDays,
    auditRetentionDays: settings.auditRetentionDays,
  };
}

/** `--scopes a,b`: each a valid scope, and allowed. */
export function parseScopes(text: string | undefined, allowed: readonly string[] | undefined): string[] {
  if (text === undefined) return [];
  const scopes = [...new Set(text.split(',').map((scope) => scope.trim()))];
  for (const scope of scopes) {
    if (scope === '' || scope.length > SCOPE_MAX_LENGTH || !SCOPE_PATTERN.test(scope)) {
      throw new ImportUsageError(`--scopes: ${JSON.stringify(scope.slice(0, 80))} is not a scope (letters, digits and : . _ - / *)`);
    }
  }
  if (allowed === undefined) {
    throw new ImportUsageError('--scopes: set ROUTE_SCOPES and/or ALLOWED_KEY_SCOPES as the stack has them, so the scopes can be checked');
  }
  const refused = scopes.filter((scope) => !allowed.includes(scope));
  if (refused.length > 0) {
    const rule = allowed.length === 0 ? 'this API allows no scopes on keys' : `allowed: ${allowed.join(', ')}`;
    throw new ImportUsageError(`--scopes: ${refused.join(', ')} not allowed (${rule})`);
  }
  return scopes;
}

/**
 * `--expires 30d` (days from now) or a date, `2027-06-30` (00:00 UTC that
 * day) or a full ISO-8601 time; in the future and within MAX_KEY_LIFETIME_DAYS.
 * Default: DEFAULT_IMPORT_LIFETIME_DAYS, at most the maximum.
 */
export function parseExpiry(text: string | undefined, now: Date, maxLifetimeDays: number): number {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const latest = nowSeconds + maxLifetimeDays * DAY_SECONDS;
  if (text === undefined) return Math.min(nowSeconds + DEFAULT_IMPORT_LIFETIME_DAYS * DAY_SECONDS, latest);
  const days = /^(\d{1,5})d$/.exec(text.trim());
  let expiresAt: number;
  if (days !== null) {
    expiresAt = nowSeconds + Number(days[1]) * DAY_SECONDS;
  } else if (/^\d{4}-\d{2}-\d{2}(T.+)?$/.test(text.trim()) && Number.isFinite(Date.parse(text.trim()))) {
    const date = text.trim();
    const parsed = new Date(date.length === 10 ? `${date}T00:00:00Z` : date);
    // Date rolls 2027-02-30 over to March: refuse a day the month does not have.
    const day = date.slice(0, 10);
    if (new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
      throw new ImportUsageError(`--expires: ${JSON.stringify(date.slice(0, 40))} is not a date`);
    }
    expiresAt = Math.floor(parsed.getTime() / 1000);
  } else {
    throw new ImportUsageError(`--expires: ${JSON.stringify(text.slice(0, 40))} is neither a number of days (30d) nor a date (2027-06-30)`);
  }
  if (expiresAt <= nowSeconds) throw new ImportUsageError('--expires: must be in the future');
  if (expiresAt > latest) throw new ImportUsageError(`--expires: must be at most ${maxLifetimeDays} days from now (MAX_KEY_LIFETIME_DAYS)`);
  return expiresAt;
}
