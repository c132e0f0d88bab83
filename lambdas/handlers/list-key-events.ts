import { pathParameter } from '../http/request';
import type { EventPageBody } from '../http/response-schemas';
import { jsonResponse } from '../http/responses';
import { managementHandler, type ManagementDependencies, type ManagementHandler } from './management-handler';

/** GET /keys/{id}/events?limit=&cursor=: the key's audit trail, newest first; 404 for anyone but its owner. */
export const createListKeyEventsHandler = (deps: ManagementDependencies): ManagementHandler =>
  managementHandler('GET /keys/{id}/events', deps, async (caller, event) =>
    jsonResponse(
      200,
      (await deps.keys.events(caller.sub, pathParameter(event, 'id'), event.queryStringParameters)) satisfies EventPageBody,
    ),
  );
