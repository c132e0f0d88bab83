import * as z from 'zod';
import { ValidationError } from './errors';
import type { KeyPolicy } from './key-policy';
import { MAX_SCOPES_PER_KEY, SCOPE_MAX_LENGTH, SCOPE_PATTERN } from './key-policy';
import { keyNameSchema, parseBody } from './request-schema';

const DAY_SECONDS = 86_400;

export const createKeySchema = z.strictObject({
  name: keyNameSchema,
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
  expiresAt: z.iso
    .datetime({ offset: true, error: 'expiresAt must be an ISO-8601 date-time with a time zone, e.g. 2030-01-31T00:00:00Z' })
    .optional(),
});

export interface CreateKeyRequest {
  readonly name: string;
  readonly scopes: readonly string[];
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** Scopes outside the operator's allowed set: a key must never carry a permission nobody granted. */
export function disallowedScopes(scopes: readonly string[], policy: KeyPolicy): string[] {
  return scopes.filter((scope) => !policy.allowedScopes.includes(scope));
}

/** Validates a create-key body and applies the lifetime and scope policy. Throws ValidationError. */
export function parseCreateKeyRequest(body: unknown, policy: KeyPolicy, now: Date): CreateKeyRequest {
  const data = parseBody(createKeySchema, body);
  const scopes = [...new Set(data.scopes ?? [])];
  const refused = disallowedScopes(scopes, policy);
  if (refused.length > 0) {
    const allowed = policy.allowedScopes.length === 0 ? 'this API allows no scopes on keys' : `allowed: ${policy.allowedScopes.join(', ')}`;
    throw new ValidationError(
      `scope${refused.length > 1 ? 's' : ''} ${refused.map((s) => `"${s}"`).join(', ')} not allowed (${allowed})`,
      'SCOPE_NOT_ALLOWED',
    );
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const latest = nowSeconds + policy.maxLifetimeDays * DAY_SECONDS;
  let expiresAt = nowSeconds + policy.defaultLifetimeDays * DAY_SECONDS;
  if (data.expiresAt !== undefined) {
    expiresAt = Math.floor(Date.parse(data.expiresAt) / 1000);
    if (expiresAt <= nowSeconds) {
      throw new ValidationError('expiresAt must be in the future');
    }
    if (expiresAt > latest) {
      throw new ValidationError(`expiresAt must be at most ${policy.maxLifetimeDays} days from now`);
    }
  }
  return { name: data.name, scopes, expiresAt: Math.min(expiresAt, latest) };
}
