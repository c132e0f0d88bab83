import { ValidationError } from './errors';
import type { PageRequest } from './key-store';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** `GET /keys?limit=N&cursor=C`: limit 1..100 (default 50); anything else in the query is a 400. */
export function parseListKeysRequest(query: Readonly<Record<string, string | undefined>> | undefined): PageRequest {
  const { limit, cursor, ...rest } = query ?? {};
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new ValidationError(`unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`);
  }
  let size = DEFAULT_PAGE_SIZE;
  if (limit !== undefined) {
    if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE_SIZE) {
      throw new ValidationError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    size = Number(limit);
  }
  if (cursor !== undefined && cursor === '') {
    throw new ValidationError('cursor must not be empty', 'INVALID_CURSOR');
  }
  return cursor === undefined ? { limit: size } : { limit: size, cursor };
}
