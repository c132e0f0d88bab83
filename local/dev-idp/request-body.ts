import type { IncomingMessage } from 'node:http';
import { readBody } from '../http-util';

const MAX_BODY_BYTES = 16 * 1024;

export interface RequestBody {
  /** String fields only; other JSON values read as undefined. */
  readonly params: Record<string, string | undefined>;
  /** Whether the body was JSON (then the caller wants JSON back). */
  readonly json: boolean;
}

/**
 * A JSON object or form-encoded body, as OAuth endpoints accept both.
 * Undefined when it is too large or not what its content type says.
 */
export async function readRequestBody(request: IncomingMessage): Promise<RequestBody | undefined> {
  let body: Buffer;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch {
    return undefined;
  }
  const text = body.toString('utf8');
  if (!(request.headers['content-type'] ?? '').includes('application/json')) {
    return { json: false, params: Object.fromEntries(new URLSearchParams(text)) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return {
    json: true,
    params: Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, typeof value === 'string' ? value : undefined])),
  };
}

/** A field's value, or undefined when it is absent or empty (an empty field means "not given"). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
