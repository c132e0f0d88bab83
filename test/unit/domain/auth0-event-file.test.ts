import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { EventFileError, parseEventFile } from '../../../lambdas/domain/auth0-event-file';
import { readAuth0Event } from '../../../lambdas/domain/auth0-events';

const FIXTURES = join(__dirname, '../../fixtures/auth0');
const fixtureTexts = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => readFileSync(join(FIXTURES, name), 'utf8'));

const a = { log_id: '1', data: { type: 'sdu' } };
const b = { specversion: '1.0', type: 'user.deleted', id: 'evt_1' };
const c = { nested: { list: [1, 'two', null] } };

/** The error parseEventFile throws for `text`, or a failure if it throws none (or another kind). */
function failure(text: string): EventFileError {
  try {
    parseEventFile(text);
  } catch (error) {
    if (error instanceof EventFileError) return error;
    throw error;
  }
  throw new Error('parseEventFile did not throw');
}

describe('parseEventFile: one JSON document', () => {
  it('reads one object', () => {
    expect(parseEventFile(JSON.stringify(a))).toEqual([a]);
  });

  it('reads one pretty-printed object, with blank lines around it', () => {
    expect(parseEventFile(`\n\n${JSON.stringify(b, null, 2)}\n\n`)).toEqual([b]);
  });

  it('reads an array of objects, in order', () => {
    expect(parseEventFile(JSON.stringify([a, b, c], null, 2))).toEqual([a, b, c]);
  });

  it('reads CRLF line ends and a byte order mark', () => {
    expect(parseEventFile(`\uFEFF${JSON.stringify([a, b], null, 2).replace(/\n/g, '\r\n')}\r\n`)).toEqual([a, b]);
  });

  it('reads every fixture file as one event', () => {
    for (const text of fixtureTexts) expect(parseEventFile(text)).toEqual([JSON.parse(text)]);
  });

  it.each([
    ['[{"a":1},2]', 1, 'line 1: expected a JSON object or an array of objects (item 2 is not an object)'],
    ['\n\n[\n  {"a":1},\n  [{"b":2}]\n]', 3, 'line 3: expected a JSON object or an array of objects (item 2 is not an object)'],
    ['[null]', 1, 'line 1: expected a JSON object or an array of objects (item 1 is not an object)'],
    ['[]', 1, 'line 1: the array holds no objects'],
    ['42', 1, 'line 1: expected a JSON object or an array of objects'],
    ['"{}"', 1, 'line 1: expected a JSON object or an array of objects'],
    ['  null  ', 1, 'line 1: expected a JSON object or an array of objects'],
  ])('refuses %j at line %i', (text, line, message) => {
    const error = failure(text);
    expect(error.line).toBe(line);
    expect(error.message).toBe(message);
  });
});

describe('parseEventFile: NDJSON', () => {
  it('reads one object per line, skipping blank lines', () => {
    const text = [JSON.stringify(a), '', '   ', JSON.stringify(b), '\t', JSON.stringify(c), ''].join('\n');
    expect(parseEventFile(text)).toEqual([a, b, c]);
  });

  it('reads CRLF line ends', () => {
    expect(parseEventFile(`${JSON.stringify(a)}\r\n\r\n${JSON.stringify(b)}\r\n`)).toEqual([a, b]);
  });

  it('reads a file of every fixture, one per line', () => {
    const lines = fixtureTexts.map((text) => JSON.stringify(JSON.parse(text)));
    const events = parseEventFile(lines.join('\n'));
    expect(events).toHaveLength(fixtureTexts.length);
    for (const event of events) expect(['signal', 'ignored']).toContain(readAuth0Event(event).kind);
  });

  it('names the first line that is not JSON', () => {
    const error = failure(`${JSON.stringify(a)}\n${JSON.stringify(b)}\nnot json\n{also not}`);
    expect(error).toBeInstanceOf(EventFileError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EventFileError');
    expect(error.line).toBe(3);
    expect(error.message).toBe('line 3: not valid JSON');
  });

  it('counts blank lines and CRLF lines when it names a line', () => {
    expect(failure(`\r\n${JSON.stringify(a)}\r\n\r\n{"b":\r\n`).message).toBe('line 4: not valid JSON');
  });

  it.each([
    [`${JSON.stringify(a)}\n[${JSON.stringify(b)}]`, 'line 2: expected a JSON object'],
    [`${JSON.stringify(a)}\n\n7`, 'line 3: expected a JSON object'],
    [`${JSON.stringify(a)}\nnull`, 'line 2: expected a JSON object'],
  ])('refuses a line that is JSON but not an object: %j', (text, message) => {
    expect(failure(text).message).toBe(message);
  });

  it('refuses a pretty-printed document with a syntax error at its first line', () => {
    const broken = JSON.stringify([a, b], null, 2).replace('"sdu"', '"sdu",');
    expect(failure(`\n${broken}`).message).toBe('line 2: not valid JSON');
  });
});

describe('parseEventFile: empty and arbitrary files', () => {
  it.each([[''], ['\n'], ['  \r\n\t\n'], ['\uFEFF']])('refuses the empty file %j at line 1', (text) => {
    const error = failure(text);
    expect(error.line).toBe(1);
    expect(error.message).toBe('line 1: the file is empty');
  });

  it('returns objects or throws EventFileError, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json(), fc.lorem({ mode: 'sentences' })), (text) => {
        try {
          const events = parseEventFile(text);
          expect(events.length).toBeGreaterThan(0);
          for (const event of events) expect(typeof event === 'object' && event !== null && !Array.isArray(event)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(EventFileError);
          const { line, message } = error as EventFileError;
          expect(Number.isInteger(line) && line >= 1 && line <= text.split('\n').length).toBe(true);
          expect(message.startsWith(`line ${line}: `)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back any non-empty list of objects, written as an array or as NDJSON', () => {
    const objects = fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(objects, fc.boolean(), (list, pretty) => {
        const expected = JSON.parse(JSON.stringify(list));
        expect(parseEventFile(JSON.stringify(list, null, pretty ? 2 : undefined))).toEqual(expected);
        expect(parseEventFile(list.map((item) => JSON.stringify(item)).join(pretty ? '\r\n\r\n' : '\n'))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
