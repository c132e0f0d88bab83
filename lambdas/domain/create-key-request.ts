import { z } from 'zod';
import { ValidationError } from './errors';
import type { KeyPolicy } from './key-policy';
import { MAX_SCOPES_PER_KEY, NAME_MAX_LENGTH, SCOPE_MAX_LENGTH } from './key-policy';

const DAY_SECONDS = 86_400;
// Printable characters only: names are shown in terminals and tables. Empty
// is left to the length check, so an empty name gets one clear message.
const NAME_PATTERN = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;
const SCOPE_PATTERN = /^[A-Za-z0-9:._\-/*]+$/;

const createKeySchema = z.strictObject({
  name: z
    .string({ error: 'name must be a string' })
    .trim()
    .min(1, `name must be 1 to ${NAME_MAX_LENGTH} characters`)
    .max(NAME_MAX_LENGTH, `name must be 1 to ${NAME_MAX_LENGTH} characters`)
    .regex(NAME_PATTERN, 'name must not contain control characters'),
  scopes: z
    .array(
      z
        .string({ error: 'each scope must be a string' })
        .min(1, 'a scope must not be empty')
        .max(SCOPE_MAX_LENGTH, `a scope must be at most ${SCOPE_MAX_LENGTH} characters`)
        .regex(SCOPE_PATTERN, 'a scope may only contain letters, digits and : . _ - / *'),
      { error: 'scopes must be an array of strings' },
    )
    .max(MAX_SCOPES_PER_KEY, `a key may have at most ${MAX_SCOPES_PER_KEY} scopes`)
    .optional(),
  expiresAt: z
    .iso.datetime({ offset: true, error: 'expiresAt must be an ISO-8601 date-time with a time zone, e.g. 2030-01-31T00:00:00Z' })
    .optional(),
});

export interface CreateKeyRequest {
  readonly name: string;
  readonly scopes: readonly string[];
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export function describeIssues(error: z.ZodError): string {
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

/** Validates a create-key body and applies the lifetime policy. Throws ValidationError. */
export function parseCreateKeyRequest(body: unknown, policy: KeyPolicy, now: Date): CreateKeyRequest {
  const result = createKeySchema.safeParse(body);
  if (!result.success) {
    throw new ValidationError(describeIssues(result.error));
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const latest = nowSeconds + policy.maxLifetimeDays * DAY_SECONDS;
  let expiresAt = nowSeconds + policy.defaultLifetimeDays * DAY_SECONDS;
  if (result.data.expiresAt !== undefined) {
    expiresAt = Math.floor(Date.parse(result.data.expiresAt) / 1000);
    if (expiresAt <= nowSeconds) {
      throw new ValidationError('expiresAt must be in the future');
    }
    if (expiresAt > latest) {
      throw new ValidationError(`expiresAt must be at most ${policy.maxLifetimeDays} days from now`);
    }
  }
  return {
    name: result.data.name,
    scopes: [...new Set(result.data.scopes ?? [])],
    expiresAt: Math.min(expiresAt, latest),
  };
}
