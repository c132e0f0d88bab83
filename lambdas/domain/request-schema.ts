import * as z from 'zod';
import { ValidationError } from './errors';
import { NAME_MAX_LENGTH } from './key-policy';

// Printable characters only: names are shown in terminals and tables. Empty
// is left to the length check, so an empty name gets one clear message.
const NAME_PATTERN = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;

/** A key's name, on create and on rename. */
export const keyNameSchema = z
  .string({ error: 'name must be a string' })
  .trim()
  .min(1, `name must be 1 to ${NAME_MAX_LENGTH} characters`)
  .max(NAME_MAX_LENGTH, `name must be 1 to ${NAME_MAX_LENGTH} characters`)
  .regex(NAME_PATTERN, 'name must not contain control characters');

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      }
      const path = issue.path.map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates a request body against `schema`; every problem is named in one 400. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ValidationError(describeIssues(result.error));
  }
  return result.data;
}

/** Rejects query parameters a route does not know, so a typo is a 400 rather than silently ignored. */
export function rejectUnknownParameters(rest: Readonly<Record<string, unknown>>): void {
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new ValidationError(`unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`);
  }
}
