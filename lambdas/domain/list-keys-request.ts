import { KEY_STATUSES, type KeyStatus } from './api-key';
import { ValidationError } from './errors';
import type { PageRequest } from './key-store';
import { rejectUnknownParameters } from './request-schema';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

type Query = Readonly<Record<string, string | undefined>> | undefined;

/** `limit` 1..100 (default 50) and an opaque `cursor`, shared by the paged routes. */
function parsePage(limit: string | undefined, cursor: string | undefined): PageRequest {
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

export interface ListKeysRequest extends PageRequest {
  /** Only keys in one of these states; all keys when absent. */
  readonly statuses?: ReadonlySet<KeyStatus>;
}

/** `GET /keys?limit=N&cursor=C&status=active,disabled`; anything else in the query is a 400. */
export function parseListKeysRequest(query: Query): ListKeysRequest {
  const { limit, cursor, status, ...rest } = query ?? {};
  rejectUnknownParameters(rest);
  const page = parsePage(limit, cursor);
  if (status === undefined) return page;
  const statuses = status.split(',');
  const unknown = statuses.filter((s) => !KEY_STATUSES.includes(s as KeyStatus));
  if (unknown.length > 0 || status === '') {
    throw new ValidationError(`status must be one or more of ${KEY_STATUSES.join(', ')}, separated by commas`);
  }
  return { ...page, statuses: new Set(statuses as KeyStatus[]) };
}

/** `GET /keys/{id}/events?limit=N&cursor=C`. */
export function parseListEventsRequest(query: Query): PageRequest {
  const { limit, cursor, ...rest } = query ?? {};
  rejectUnknownParameters(rest);
  return parsePage(limit, cursor);
}
