/**
 * An operator's file of Auth0 events (logs or CloudEvents, as lambdas/domain/auth0-events.ts reads them), for
 * replaying what a stream missed. Three forms, told apart by one rule:
 *
 * 1. If the whole text (less a UTF-8 byte order mark) parses as JSON, it is one document: an object (one event)
 *    or a non-empty array of objects. Anything else is refused at the line where the document starts.
 * 2. Otherwise it is NDJSON (JSON lines, what a Custom Webhook log stream posts): one object per line, blank
 *    lines skipped, `\r\n` or `\n` line ends. The first line that is not JSON, or not an object, is refused.
 *
 * A file is never both: several NDJSON lines are not one JSON value, and a one-line NDJSON file reads the same
 * either way. A pretty-printed document with a syntax error falls to rule 2 and is refused at its first line.
 */

export class EventFileError extends Error {
  override readonly name = 'EventFileError';

  /** `line` is 1-based; the message starts `line <n>: `. */
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/** The file's objects, in order. Throws EventFileError for an empty or malformed file. */
export function parseEventFile(text: string): unknown[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  const firstLine = lines.findIndex((line) => line.trim() !== '') + 1;
  if (firstLine === 0) throw new EventFileError(1, 'the file is empty');

  const whole = parseJson(body);
  if (whole.ok) {
    const { value } = whole;
    if (isObject(value)) return [value];
    if (Array.isArray(value)) {
      if (value.length === 0) throw new EventFileError(firstLine, 'the array holds no objects');
      const bad = value.findIndex((item) => !isObject(item));
      if (bad >= 0) throw new EventFileError(firstLine, `expected a JSON object or an array of objects (item ${bad + 1} is not an object)`);
      return value;
    }
    throw new EventFileError(firstLine, 'expected a JSON object or an array of objects');
  }

  const events: unknown[] = [];
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const parsed = parseJson(trimmed);
    if (!parsed.ok) throw new EventFileError(index + 1, 'not valid JSON');
    if (!isObject(parsed.value)) throw new EventFileError(index + 1, 'expected a JSON object');
    events.push(parsed.value);
  });
  return events;
}

function parseJson(text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
