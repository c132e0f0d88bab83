import type { SettingKind } from './kinds';
import type { Schema } from './schema';
import type { Component } from './spec';

/** The settings' types, derived from the table in schema.ts (so they cannot drift from it). */
export type SettingName = keyof Schema;

type ValueOf<S> = S extends { readonly kind: SettingKind<infer T> } ? T : never;
type UsedBy<S> = S extends { readonly usedBy: readonly (infer C)[] } ? C : never;
type OptionalIn<S> = S extends { readonly optionalIn: readonly (infer C)[] } ? C : never;
type IsOptional<S> = S extends { readonly optional: true } ? true : false;
type HasDefault<S> = S extends { readonly default: unknown } ? true : false;

/** The settings one component reads, typed: `undefined` only where unset is allowed there. */
export type SettingsFor<C extends Component> = {
  readonly [K in SettingName as C extends UsedBy<Schema[K]> ? K : never]: IsOptional<Schema[K]> extends true
    ? ValueOf<Schema[K]> | undefined
    : C extends OptionalIn<Schema[K]>
      ? ValueOf<Schema[K]> | undefined
      : ValueOf<Schema[K]>;
};

/** Settings of `C` that must be given (no default, not optional): the rest may be left out. */
export type RequiredSettingName<C extends Component> = {
  [K in keyof SettingsFor<C>]: K extends SettingName
    ? HasDefault<Schema[K]> extends true
      ? never
      : IsOptional<Schema[K]> extends true
        ? never
        : C extends OptionalIn<Schema[K]>
          ? never
          : K
    : never;
}[keyof SettingsFor<C>];
