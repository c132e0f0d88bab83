/** Operator-set rules for the keys owners may create. */
export interface KeyPolicy {
  readonly maxKeysPerUser: number;
  readonly defaultLifetimeDays: number;
  readonly maxLifetimeDays: number;
}

export const DEFAULT_KEY_POLICY: KeyPolicy = {
  maxKeysPerUser: 20,
  defaultLifetimeDays: 90,
  maxLifetimeDays: 365,
};

export const NAME_MAX_LENGTH = 100;
export const MAX_SCOPES_PER_KEY = 20;
export const SCOPE_MAX_LENGTH = 64;
