import * as z from 'zod';
import { KEY_STATUSES } from '../domain/api-key';
import { MAX_IDEMPOTENCY_KEY_LENGTH, MIN_IDEMPOTENCY_KEY_LENGTH } from '../domain/idempotency';
import { MAX_LEAK_MATCHES, TOKEN_MAX_LENGTH, TYPE_MAX_LENGTH } from '../domain/leak-report';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/list-keys-request';

/**
 * The requests whose parsers are not zod schemas (query strings, the OAuth form, GitHub's alerts), described
 * with the very constants those parsers check against, so a changed bound changes the document too. The JSON
 * bodies of the key routes are the handlers' own zod schemas (lambdas/domain/*-request.ts).
 */

export const limitParameter = z
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE)
  .meta({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` });

export const cursorParameter = z
  .string()
  .min(1)
  .meta({ description: "The previous page's `nextCursor`; it works only for the caller and the list it came from" });

export const statusParameter = z
  .array(z.enum(KEY_STATUSES as readonly [string, ...string[]]))
  .min(1)
  .meta({ description: 'Only keys in one of these states, comma-separated; a filtered page may come back short, with a `nextCursor`' });

export const idempotencyKeyHeader = z
  .string()
  .min(MIN_IDEMPOTENCY_KEY_LENGTH)
  .max(MAX_IDEMPOTENCY_KEY_LENGTH + 2)
  .meta({
    description:
      `${MIN_IDEMPOTENCY_KEY_LENGTH} to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces (a UUID), bare or as ` +
      'a quoted string (draft-ietf-httpapi-idempotency-key-header-07). The same key with the same request, from the same owner, ' +
      'within 24 hours, answers the first answer again (`Idempotent-Replayed: true`) instead of making a second key.',
  });

/** RFC 6749 §4.4.2, form-encoded; client_id and client_secret only when the client does not authenticate with Basic. */
export const tokenRequestSchema = z.strictObject({
  grant_type: z.literal('client_credentials'),
  scope: z.string().optional().meta({ description: "Space-separated; a subset of the key's scopes (default: all of them)" }),
  client_id: z.string().optional().meta({ description: 'The key id (or an imported Stormpath id), when not sent as Basic credentials' }),
  client_secret: z.string().optional().meta({ description: 'The whole key (or the Stormpath secret), when not sent as Basic credentials' }),
});

/** A GitHub secret scanning alert: https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program */
export const leakReportSchema = z
  .array(
    z.object({
      token: z.string().min(1).max(TOKEN_MAX_LENGTH),
      type: z.string().min(1).max(TYPE_MAX_LENGTH),
      url: z.string().nullable().optional(),
      source: z.string().nullable().optional(),
    }),
  )
  .min(1)
  .max(MAX_LEAK_MATCHES);

/** One Auth0 CloudEvent, an array of them, or a Custom Webhook log stream's batch (also sent as JSON lines). */
export const auth0EventsSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]);
