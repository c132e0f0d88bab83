import * as z from 'zod/mini';
import { parseRouteScopes, parseScopeList, routeScopesToJson, ScopeSettingError, type RouteScopes } from '../domain/route-scopes';
import type { SettingProblem } from './config-error';

/**
 * The kinds of value a setting can hold, each with its one rule. zod/mini
 * (tree-shakable, ~15 KB in a bundle against ~450 KB for classic zod) checks
 * typed values; the text forms (environment variables, `-c name=value`) are
 * decoded here first, so an environment variable and a construct prop meet
 * the same rule.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: SettingProblem };

/** Values read so far, for rules that depend on another setting (the default lifetime is at most the maximum). */
export type Settled = Readonly<Record<string, unknown>>;

export interface SettingKind<T> {
  /** The rule in words, read after "must be"; the README shows it too. */
  readonly rule: string;
  /** Text from an environment variable or CDK context (trimmed, not empty) to a value. */
  fromText(text: string, settled: Settled): Parsed<T>;
  /** A value given in code (a construct prop), held to the same rule. */
  check(value: unknown, settled: Settled): Parsed<T>;
  /** The value as an environment variable; undefined leaves the variable out. */
  toText(value: T): string | undefined;
  /** The value as the README's default column shows it. */
  show(value: T): string;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const broken = (rule: string, got: unknown): Parsed<never> => ({ ok: false, problem: { rule, got: String(got) } });
const wrongPart = (detail: string): Parsed<never> => ({ ok: false, problem: { detail } });

function checked<T>(schema: z.ZodMiniType<T>, value: unknown, rule: string): Parsed<T> {
  const result = schema.safeParse(value);
  return result.success ? ok(result.data) : broken(rule, value);
}

/** A whole number in a range; `maxFrom` lowers the maximum to another setting's value. */
export function integer(min: number, max: number, maxFrom?: (settled: Settled) => number): SettingKind<number> {
  const rule = (settled: Settled) => `a whole number from ${min} to ${maxFrom?.(settled) ?? max}`;
  const check = (value: unknown, settled: Settled) =>
    checked(z.number().check(z.int(), z.gte(min), z.lte(maxFrom?.(settled) ?? max)), value, rule(settled));
  return {
    rule: rule({}),
    // Digits only: "1e3", "0x10", "+5" and "Infinity" are numbers to JavaScript, not to an operator.
    fromText: (text, settled) => (/^\d+$/.test(text) ? check(Number(text), settled) : broken(rule(settled), text)),
    check,
    toText: String,
    show: String,
  };
}

/** The one boolean rule everywhere: true, false, 1 or 0, in any case. */
export function boolean(): SettingKind<boolean> {
  const rule = 'true or false';
  return {
    rule,
    fromText: (text) => (/^(true|1)$/i.test(text) ? ok(true) : /^(false|0)$/i.test(text) ? ok(false) : broken(rule, text)),
    check: (value) => checked(z.boolean(), value, rule),
    toText: String,
    show: String,
  };
}

/** Text matching `pattern`; `rule` says what that means. */
export function text(pattern: RegExp, rule: string): SettingKind<string> {
  const check = (value: unknown) => checked(z.string().check(z.regex(pattern)), value, rule);
  return { rule, fromText: check, check, toText: (value) => value, show: (value) => `\`${value}\`` };
}

export function oneOf<const T extends string>(choices: readonly [T, ...T[]]): SettingKind<T> {
  const rule = `one of ${choices.join(', ')}`;
  const check = (value: unknown) => checked(z.enum(choices), value, rule);
  return { rule, fromText: check, check, toText: (value) => value, show: (value) => `\`${value}\`` };
}

export function oneOfNumbers(choices: readonly number[]): SettingKind<number> {
  const rule = `one of ${choices.join(', ')}`;
  const check = (value: unknown) => (typeof value === 'number' && choices.includes(value) ? ok(value) : broken(rule, value));
  return { rule, fromText: (text) => (/^\d+$/.test(text) ? check(Number(text)) : broken(rule, text)), check, toText: String, show: String };
}

/** Comma-separated in text (a list in cdk.json arrives as such too), each item matching `pattern` (or passing it). */
export function list(pattern: RegExp | ((item: string) => boolean), itemRule: string): SettingKind<readonly string[]> {
  const fits = typeof pattern === 'function' ? pattern : (item: string) => pattern.test(item);
  const check = (value: unknown): Parsed<readonly string[]> => {
    if (!Array.isArray(value)) return broken(`a list of ${itemRule}`, value);
    for (const item of value) if (typeof item !== 'string' || !fits(item)) return broken(itemRule, item);
    return ok(value as string[]);
  };
  return {
    rule: `comma-separated ${itemRule}`,
    fromText: (text) => check(splitList(text)),
    check,
    toText: (value) => (value.length > 0 ? value.join(',') : undefined),
    show: (value) => (value.length > 0 ? value.join(',') : 'none'),
  };
}

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** A kind whose parser lives in the domain and names the wrong part itself. */
function domainParsed<T>(
  rule: string,
  parse: (text: string) => T,
  toText: (value: T) => string | undefined,
  asText: (value: unknown) => string | undefined,
): SettingKind<T> {
  const fromText = (text: string): Parsed<T> => {
    try {
      return ok(parse(text));
    } catch (error) {
      if (error instanceof ScopeSettingError) return wrongPart(error.message);
      throw error;
    }
  };
  return {
    rule,
    fromText,
    check: (value) => {
      const text = asText(value);
      // Not even the right shape (a number for a map, say): said in the words the text form's own error uses.
      return text === undefined ? wrongPart(`must be ${rule}`) : fromText(text);
    },
    toText,
    show: (value) => toText(value) ?? 'none',
  };
}

/**
 * A web origin exactly as a browser sends it in `Origin`: http(s), a host, a port only when not the scheme's
 * default, nothing after it, no wildcard (`https://app.example.com:443` would never match; `*` is no origin).
 */
export function isWebOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text && !text.includes('*');
  } catch {
    return false;
  }
}

/** Scopes keys may carry: comma-separated (or a list in cdk.json). */
export function scopeList(): SettingKind<readonly string[]> {
  return domainParsed(
    'comma-separated scopes',
    parseScopeList,
    (value) => (value.length > 0 ? value.join(',') : undefined),
    // A list given as such: every item a scope (an empty one is a mistake there, not a stray comma).
    (value) =>
      Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '') ? value.join(',') : undefined,
  );
}

/** A JSON object of route key → scope (an object in cdk.json, a Map or an object in code). */
export function routeScopes(): SettingKind<RouteScopes> {
  return domainParsed('a JSON object such as {"GET /orders":"orders:read"}', parseRouteScopes, routeScopesToJson, (value) =>
    value instanceof Map
      ? JSON.stringify(Object.fromEntries(value))
      : typeof value === 'object' && value !== null && !Array.isArray(value)
        ? JSON.stringify(value)
        : typeof value === 'string'
          ? value
          : undefined,
  );
}

/** The one host-name rule for the Auth0 domain; `https://` and a trailing slash are tolerated. */
export function auth0Domain(): SettingKind<string> {
  const rule = 'a host name such as example.eu.auth0.com';
  const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  const host = new RegExp(`^${label}(?:\\.${label})+(?::\\d{1,5})?$`);
  const check = (value: unknown): Parsed<string> =>
    typeof value === 'string' && host.test(auth0Host(value)) ? ok(value) : broken(rule, value);
  return { rule, fromText: check, check, toText: (value) => value, show: (value) => `\`${value}\`` };
}

/** `https://example.eu.auth0.com/` → `example.eu.auth0.com` */
export const auth0Host = (domain: string): string => domain.replace(/^https:\/\//, '').replace(/\/$/, '');
