import * as z from 'zod';
import { DEFAULT_GRACE_PERIOD_SECONDS, MAX_GRACE_PERIOD_SECONDS } from './key-policy';
import { keyNameSchema, parseBody } from './request-schema';

export const updateKeySchema = z
  .strictObject({
    name: keyNameSchema.optional(),
    enabled: z.boolean({ error: 'enabled must be true or false' }).optional(),
  })
  .refine((body) => body.name !== undefined || body.enabled !== undefined, {
    error: 'nothing to change: send "name", "enabled" or both',
  })
  // The refinement, as the OpenAPI document (lambdas/openapi/) can say it.
  .meta({ minProperties: 1 });

export interface UpdateKeyRequest {
  readonly name?: string | undefined;
  readonly enabled?: boolean | undefined;
}

/** `PATCH /keys/{id}` `{ "name"?, "enabled"? }`; unknown fields are a 400, as on create. */
export function parseUpdateKeyRequest(body: unknown): UpdateKeyRequest {
  const data = parseBody(updateKeySchema, body);
  return {
    name: data.name,
    enabled: data.enabled,
  };
}

export const rotateKeySchema = z.strictObject({
  gracePeriodSeconds: z
    .number({ error: 'gracePeriodSeconds must be a number' })
    .int('gracePeriodSeconds must be a whole number')
    .min(0, `gracePeriodSeconds must be from 0 to ${MAX_GRACE_PERIOD_SECONDS}`)
    .max(MAX_GRACE_PERIOD_SECONDS, `gracePeriodSeconds must be from 0 to ${MAX_GRACE_PERIOD_SECONDS}`)
    .optional(),
});

/** `POST /keys/{id}/rotate` `{ "gracePeriodSeconds"? }`; no body means the default grace period. */
export function parseRotateKeyRequest(body: unknown): { readonly gracePeriodSeconds: number } {
  const data = parseBody(rotateKeySchema, body ?? {});
  return { gracePeriodSeconds: data.gracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS };
}
