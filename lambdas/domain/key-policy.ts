import type { OwnerBudget } from './owner-budget';

/** Operator-set rules for the keys owners may create. */
export interface KeyPolicy {
  readonly maxKeysPerUser: number;
  readonly defaultLifetimeDays: number;
  readonly maxLifetimeDays: number;
  /** The only scopes a key may carry (the routes' required scopes and any extra the operator allows). */
  readonly allowedScopes: readonly string[];
  /** How long a key's audit events are kept. */
  readonly auditRetentionDays: number;
  /** A key may carry only scopes the creating token holds (KEY_SCOPES_FROM_TOKEN). */
  readonly keyScopesFromToken: boolean;
  /** How long a revoked key's record is kept (REVOKED_RETENTION_DAYS). */
  readonly revokedRetentionDays: number;
  /** Each owner's creates and rotations (OWNER_KEY_CREATION_RATE, OWNER_KEY_CREATION_BURST). */
  readonly ownerBudget: OwnerBudget;
}

export const DEFAULT_KEY_POLICY: KeyPolicy = {
  maxKeysPerUser: 20,
  defaultLifetimeDays: 90,
  maxLifetimeDays: 365,
  allowedScopes: [],
  auditRetentionDays: 365,
  keyScopesFromToken: false,
  revokedRetentionDays: 30,
  ownerBudget: { perMinute: 10, burst: 20 },
};

/** When a key revoked at `at` is purged at the latest: REVOKED_RETENTION_DAYS on (epoch seconds; the store keeps the sooner of this and its expiry). */
export const revokedPurgeAt = (policy: Pick<KeyPolicy, 'revokedRetentionDays'>, at: Date): number =>
  Math.floor(at.getTime() / 1000) + policy.revokedRetentionDays * 86_400;

export const NAME_MAX_LENGTH = 100;
export const MAX_SCOPES_PER_KEY = 20;
export const SCOPE_MAX_LENGTH = 64;
export const SCOPE_PATTERN = /^[A-Za-z0-9:._\-/*]+$/;

/** A rotation's old key keeps working for at most this long (7 days). */
export const MAX_GRACE_PERIOD_SECONDS = 604_800;
/** Without a `gracePeriodSeconds`, the old key keeps working this long: long enough to redeploy a client. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 3600;
