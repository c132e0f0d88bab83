/**
 * Text from the server, the identity provider or a token, made safe for a terminal.
 * The CLI trusts none of them: a hostile server, a crafted `sub` or a writable table
 * could otherwise send escape sequences (colours, cursor moves, OSC 8 hyperlinks,
 * window titles) or bidirectional overrides that make one id look like another.
 */

/**
 * Everything a terminal may act on rather than show: \p{C} (C0 and C1 controls, DEL,
 * format characters such as the bidi overrides U+202A–U+202E, isolates U+2066–U+2069
 * and marks U+200E/U+200F, zero-width characters, surrogates, private use, unassigned)
 * and the line and paragraph separators U+2028/U+2029.
 */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/gu;

/** One line of text for a terminal: each unprintable character becomes `?`, so the tampering stays visible. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, '?');
}

/** A copy of `value` with every string in it (object keys too) made printable, for the human renderers. */
export function terminalSafe<T>(value: T): T {
  return deepPrintable(value) as T;
}

function deepPrintable(value: unknown): unknown {
  if (typeof value === 'string') return printable(value);
  if (Array.isArray(value)) return value.map(deepPrintable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [printable(name), deepPrintable(inner)]));
  }
  return value;
}

const unicodeEscape = (char: string): string =>
  Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');

/**
 * `value` as one line of JSON with no unprintable character in it. JSON.stringify escapes
 * C0 controls and lone surrogates but leaves DEL, C1 controls (U+009B is a CSI), bidi
 * characters and U+2028/U+2029 raw; those can only sit inside string literals, so writing
 * them as \u escapes keeps the JSON valid and parsing to exactly the same value.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(UNPRINTABLE, unicodeEscape);
}
