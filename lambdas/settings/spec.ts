import type { SettingKind, Settled } from './kinds';

/**
 * Which part of the system reads a setting:
 *
 * - `stack`:      read at synth (`cdk deploy -c name=value`, cdk.json, or the environment variable)
 * - `authorizer`, `management`: read by those functions at cold start, from the environment the stack gives them
 * - `local`:      read by `npm start`
 * - `assertion`:  read by the JWKS, signing-key rotation and sample `/whoami` functions
 * - `token`:      read by the `POST /oauth/token` function
 * - `console`:    read by the console's function
 * - `events`:     read by the lifecycle-events and expiry-notice functions
 * - `openapi`:    read by the `GET /openapi.json` function
 */
export type Component = 'stack' | 'authorizer' | 'management' | 'local' | 'assertion' | 'token' | 'console' | 'events' | 'openapi';

export interface SettingSpec<T = unknown> {
  readonly kind: SettingKind<T>;
  readonly usedBy: readonly Component[];
  /** Its environment variable; a setting only the stack reads may have none. */
  readonly env?: string;
  /** Used when unset; a function of the settings read before it where it depends on one. */
  readonly default?: T | ((settled: Settled) => T);
  /** `npm start`'s own default, where it differs. */
  readonly localDefault?: T;
  /** Unset is allowed and means "none" (else, with no default, the setting is required). */
  readonly optional?: boolean;
  /** Components where unset is allowed although it is required elsewhere. */
  readonly optionalIn?: readonly Component[];
  /** Set but blank means "none" rather than "unset" (so it overrides a default). */
  readonly blankIsNone?: boolean;
  /** One line for the README. */
  readonly meaning: string;
  /** The default as the README says it, where the value alone would not. */
  readonly shownDefault?: string;
}

/** Keeps each entry's literal type (which components, optional or not), so the settings' types follow from the table. */
export const setting = <T, const S extends SettingSpec<T>>(spec: S & SettingSpec<T>): S => spec;
