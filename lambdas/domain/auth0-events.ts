/**
 * Auth0 telling us that a key owner was deleted, blocked or unblocked, read into one small signal.
 *
 * Pure: no I/O, no clock, never throws. What acts on the signal (revoking, disabling or re-enabling the
 * owner's keys) lives elsewhere. Shapes, as verified (fixtures and their sources: test/fixtures/auth0/README.md):
 *
 * Log Streams → Amazon EventBridge (set-up: https://auth0.com/docs/monitor-auth0/streams/stream-logs-to-amazon-eventbridge,
 * which shows no event; the envelope is AWS's sample, github.com/aws-samples/amazon-eventbridge-integration-with-auth0
 * events/event.json, and matches events captured in public code):
 *   { version: '0', id, 'detail-type': 'Auth0 log', source: 'aws.partner/auth0.com/<tenant>-<uuid>/auth0.logs',
 *     account, time, region, resources: [], detail: { log_id, data: <log> } }
 * A Custom Webhook log stream posts the same `{ log_id, data }` items (JSON lines, an array or an object). The log
 * itself (`data`, or what GET /api/v2/logs returns) follows github.com/auth0/auth0-log-schemas:
 *   sdu  (Successful User Deletion): `user_id`. The schema describes it as "the user behind the auth flow, or
 *        the user executing the action, whichever applies" and does not mark it required. UNVERIFIED: that for
 *        `sdu` it is the deleted user; it is read so, being the only user id the log carries.
 *   sapi (Success API Operation, a Management API write): `details.request` { method (lower case in real logs),
 *        path, body } and `details.response` { statusCode, body }. Its `user_id` is the admin who acted, never
 *        the subject, so the subject comes from the path `/api/v2/users/{url-encoded id}`. `description` is the
 *        operation's summary ("Delete a user", "Update a user"); its capitalisation varies between sources, so
 *        method and path decide, not the description.
 *
 * Auth0 Events ("Event Streams", CloudEvents 1.0; schema: github.com/auth0/docs-v2 main/docs/oas/events/events-schema.json,
 * https://auth0.com/docs/events/user/user.deleted): { specversion: '1.0', type: 'user.deleted' | 'user.updated' | ...,
 * source: 'urn:auth0:<tenant>.<domain>', id: 'evt_…', time, data: { object: <user>, previous_object?: <user> },
 * a0tenant, a0stream }. `data.object.user_id` is the user; `blocked` is optional (set once an admin has blocked or
 * unblocked the user). A webhook stream posts one CloudEvent per request
 * (https://auth0.com/docs/customize/events/create-an-event-stream).
 * UNVERIFIED: how an Events stream's EventBridge destination wraps the event. Read here as an EventBridge envelope
 * from an `aws.partner/auth0.com/…` source whose `detail` is the CloudEvent, whatever its `detail-type`.
 */

export type OwnerChange = 'deleted' | 'blocked' | 'unblocked';

export interface OwnerSignal {
  readonly change: OwnerChange;
  /** The Auth0 user id (`sub` of their tokens), e.g. `auth0|abc`. */
  readonly sub: string;
  /** The source event's id (log_id or CloudEvent id), for the audit trail and for idempotency. */
  readonly eventId: string;
  /** ISO-8601: when Auth0 says it happened. */
  readonly occurredAt: string;
  /** The audit actor: `auth0:user.deleted`, `auth0:user.blocked` or `auth0:user.unblocked`, whatever the source. */
  readonly actor: `auth0:user.${'deleted' | 'blocked' | 'unblocked'}`;
  /** What Auth0 sent, for the audit details: `log:sdu`, `log:sapi`, `event:user.deleted`, `event:user.updated`. */
  readonly source: string;
}

export type ReadAuth0Event =
  | { readonly kind: 'signal'; readonly signal: OwnerSignal }
  | { readonly kind: 'ignored'; readonly reason: string; readonly eventId?: string };

/** The log types that can carry a signal (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes). */
export const LOG_STREAM_EVENT_TYPES = ['sdu', 'sapi'] as const;
/** The Auth0 Events types that can carry a signal (https://auth0.com/docs/events). */
export const AUTH0_EVENT_TYPES = ['user.deleted', 'user.updated'] as const;

/**
 * Partner event sources are named `aws.partner/<partner>/…`, and a custom PutEvents source "can't start with the
 * aws. prefix" (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_EventBridgePutEventsV2Parameters.html).
 */
const PARTNER_SOURCE_PREFIX = 'aws.partner/auth0.com/';
const LOG_DETAIL_TYPE = 'Auth0 log';
const USERS_PATH = '/api/v2/users/';
const MAX_ID_LENGTH = 255;

/** Fixed texts only: nothing from the input is echoed into a reason. */
export const IGNORED = {
  notAnObject: 'not a JSON object',
  unknownShape: 'not an Auth0 log or event',
  notAuth0Source: 'EventBridge source is not an Auth0 partner event source',
  noDetail: 'EventBridge detail is not an object',
  notALogDetail: 'EventBridge detail-type is not "Auth0 log"',
  unknownDetail: 'EventBridge detail is neither an Auth0 log nor a CloudEvent',
  badLogId: 'missing or malformed log_id',
  badLogData: 'log data is not an object',
  logTypeNotHandled: 'log type is not sdu or sapi',
  badDate: 'missing or malformed date',
  badUserId: 'missing or malformed user id',
  noRequest: 'sapi log without a request',
  notUserOperation: 'sapi log is not DELETE or PATCH /api/v2/users/{id}',
  failedOperation: 'sapi log does not report a 2xx status',
  updateWithoutBlocked: 'user update does not set blocked',
  responseContradicts: 'user update response contradicts its request',
  badSpecVersion: 'unsupported CloudEvents specversion',
  badEventId: 'missing or malformed event id',
  eventTypeNotHandled: 'event type is not user.deleted or user.updated',
  noUserObject: 'event data.object is not an object',
  notAnUnblock: 'user was not blocked before this update',
  unreadable: 'input could not be read',
} as const;

type Json = Readonly<Record<string, unknown>>;
type Ignored = Extract<ReadAuth0Event, { kind: 'ignored' }>;

/**
 * One Auth0 input read into an owner signal, or why it was ignored. Accepts: an EventBridge event carrying a
 * Log Streams log; an EventBridge event carrying an Auth0 Events CloudEvent; a bare CloudEvent (a webhook
 * stream's body); a bare `{ log_id, data }` item (a Custom Webhook log stream's) and a bare log (GET /api/v2/logs,
 * an export). Anything else is `ignored`; no input makes it throw.
 */
export function readAuth0Event(input: unknown): ReadAuth0Event {
  try {
    return read(input);
  } catch {
    // Only an exotic object (a throwing getter or proxy) gets here: JSON never does.
    return ignored(IGNORED.unreadable);
  }
}

/**
 * The EventBridge rule patterns (each one a complete pattern: a rule holds one) that let through exactly what
 * readAuth0Event can turn into a signal:
 * 1. Log Streams `sdu` logs: `detail-type` "Auth0 log", the log in `detail.data`.
 * 2. Log Streams `sapi` logs for DELETE or PATCH of `/api/v2/users/…` (the method's case varies, hence
 *    equals-ignore-case); readAuth0Event still checks the whole path, the status and the body.
 * 3. Auth0 Events `user.deleted` and `user.updated`, matched on `detail.type`, the CloudEvent's own type field:
 *    the envelope's `detail-type` for Events is unverified (see the module comment).
 */
export function auth0EventBridgePatterns(): Record<string, unknown>[] {
  const source = () => [{ prefix: PARTNER_SOURCE_PREFIX }];
  return [
    { source: source(), 'detail-type': [LOG_DETAIL_TYPE], detail: { data: { type: ['sdu'] } } },
    {
      source: source(),
      'detail-type': [LOG_DETAIL_TYPE],
      detail: {
        data: {
          type: ['sapi'],
          details: {
            request: {
              method: [{ 'equals-ignore-case': 'delete' }, { 'equals-ignore-case': 'patch' }],
              path: [{ prefix: USERS_PATH }],
            },
          },
        },
      },
    },
    { source: source(), detail: { type: [...AUTH0_EVENT_TYPES] } },
  ];
}

function read(input: unknown): ReadAuth0Event {
  if (!isRecord(input)) return ignored(IGNORED.notAnObject);
  if (has(input, 'detail') && has(input, 'source')) return readEnvelope(input);
  if (has(input, 'specversion')) return readCloudEvent(input);
  if (has(input, 'log_id') && has(input, 'data')) return readLogItem(input, undefined);
  if (has(input, 'log_id') && typeof field(input, 'type') === 'string') return readLog(input, field(input, 'log_id'), undefined);
  return ignored(IGNORED.unknownShape);
}

function readEnvelope(envelope: Json): ReadAuth0Event {
  const source = field(envelope, 'source');
  if (typeof source !== 'string' || !source.startsWith(PARTNER_SOURCE_PREFIX)) return ignored(IGNORED.notAuth0Source);
  const detail = field(envelope, 'detail');
  if (!isRecord(detail)) return ignored(IGNORED.noDetail);
  if (has(detail, 'specversion')) return readCloudEvent(detail);
  if (has(detail, 'log_id') || has(detail, 'data')) {
    if (field(envelope, 'detail-type') !== LOG_DETAIL_TYPE) return ignored(IGNORED.notALogDetail);
    return readLogItem(detail, field(envelope, 'time'));
  }
  return ignored(IGNORED.unknownDetail);
}

/** `{ log_id, data }`: EventBridge's `detail`, or one item of a Custom Webhook log stream. */
function readLogItem(item: Json, fallbackTime: unknown): ReadAuth0Event {
  const log = field(item, 'data');
  if (!isRecord(log)) return ignored(IGNORED.badLogData, boundedId(field(item, 'log_id')));
  const outer = field(item, 'log_id');
  return readLog(log, outer === '' || outer === undefined ? field(log, 'log_id') : outer, fallbackTime);
}

function readLog(log: Json, logIdValue: unknown, fallbackTime: unknown): ReadAuth0Event {
  const eventId = boundedId(logIdValue);
  if (eventId === undefined) return ignored(IGNORED.badLogId);
  const type = field(log, 'type');
  if (type !== 'sdu' && type !== 'sapi') return ignored(IGNORED.logTypeNotHandled, eventId);
  const occurredAt = isoTime(field(log, 'date')) ?? isoTime(fallbackTime);
  if (occurredAt === undefined) return ignored(IGNORED.badDate, eventId);
  if (type === 'sdu') {
    const sub = boundedId(field(log, 'user_id'));
    return sub === undefined ? ignored(IGNORED.badUserId, eventId) : signal('deleted', sub, eventId, occurredAt, 'log:sdu');
  }
  return readManagementApiWrite(log, eventId, occurredAt);
}

function readManagementApiWrite(log: Json, eventId: string, occurredAt: string): ReadAuth0Event {
  const details = field(log, 'details');
  const request = isRecord(details) ? field(details, 'request') : undefined;
  if (!isRecord(request)) return ignored(IGNORED.noRequest, eventId);
  const method = field(request, 'method');
  const verb = typeof method === 'string' ? method.toLowerCase() : undefined;
  if (verb !== 'delete' && verb !== 'patch') return ignored(IGNORED.notUserOperation, eventId);
  const target = userIdFromPath(field(request, 'path'));
  if (target === 'not-a-user-path') return ignored(IGNORED.notUserOperation, eventId);
  if (target === 'bad-user-id') return ignored(IGNORED.badUserId, eventId);

  const response = isRecord(details) ? field(details, 'response') : undefined;
  const status = isRecord(response) ? field(response, 'statusCode') : undefined;
  // A `sapi` log is a success by its type; a status it does report must say so too.
  if (status !== undefined && !(typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 299)) {
    return ignored(IGNORED.failedOperation, eventId);
  }
  if (verb === 'delete') return signal('deleted', target.userId, eventId, occurredAt, 'log:sapi');

  const body = field(request, 'body');
  const blocked = isRecord(body) ? field(body, 'blocked') : undefined;
  if (typeof blocked !== 'boolean') return ignored(IGNORED.updateWithoutBlocked, eventId);
  const responseBody = isRecord(response) ? field(response, 'body') : undefined;
  const responseBlocked = isRecord(responseBody) ? field(responseBody, 'blocked') : undefined;
  if (typeof responseBlocked === 'boolean' && responseBlocked !== blocked) return ignored(IGNORED.responseContradicts, eventId);
  return signal(blocked ? 'blocked' : 'unblocked', target.userId, eventId, occurredAt, 'log:sapi');
}

/** The user id of exactly `/api/v2/users/{id}`: `/api/v2/users/{id}/roles` and the like are other operations. */
function userIdFromPath(path: unknown): { readonly userId: string } | 'not-a-user-path' | 'bad-user-id' {
  if (typeof path !== 'string' || !path.startsWith(USERS_PATH)) return 'not-a-user-path';
  const encoded = path.slice(USERS_PATH.length);
  if (encoded === '' || /[/?#]/.test(encoded)) return 'not-a-user-path';
  // Percent-encoding at most triples a character; anything longer cannot decode to a bounded id.
  if (encoded.length > MAX_ID_LENGTH * 3) return 'bad-user-id';
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return 'bad-user-id';
  }
  const userId = boundedId(decoded);
  return userId === undefined ? 'bad-user-id' : { userId };
}

function readCloudEvent(event: Json): ReadAuth0Event {
  const specversion = field(event, 'specversion');
  if (typeof specversion !== 'string' || !/^1\.\d+$/.test(specversion)) return ignored(IGNORED.badSpecVersion);
  const eventId = boundedId(field(event, 'id'));
  if (eventId === undefined) return ignored(IGNORED.badEventId);
  const type = field(event, 'type');
  if (type !== 'user.deleted' && type !== 'user.updated') return ignored(IGNORED.eventTypeNotHandled, eventId);
  const occurredAt = isoTime(field(event, 'time'));
  if (occurredAt === undefined) return ignored(IGNORED.badDate, eventId);
  const data = field(event, 'data');
  const user = isRecord(data) ? field(data, 'object') : undefined;
  if (!isRecord(user)) return ignored(IGNORED.noUserObject, eventId);
  const sub = boundedId(field(user, 'user_id'));
  if (sub === undefined) return ignored(IGNORED.badUserId, eventId);
  if (type === 'user.deleted') return signal('deleted', sub, eventId, occurredAt, 'event:user.deleted');

  // `data.object` is the whole user after the change, not a diff: `blocked: false` is on every update of a
  // user who was once unblocked. When Auth0 includes `previous_object`, an unblock must actually lift a block.
  // A block is passed on even when the user was already blocked: disabling is idempotent, and it recovers a
  // block whose own event was lost.
  const blocked = field(user, 'blocked');
  if (typeof blocked !== 'boolean') return ignored(IGNORED.updateWithoutBlocked, eventId);
  if (!blocked) {
    const previous = isRecord(data) ? field(data, 'previous_object') : undefined;
    if (isRecord(previous) && field(previous, 'blocked') !== true) return ignored(IGNORED.notAnUnblock, eventId);
  }
  return signal(blocked ? 'blocked' : 'unblocked', sub, eventId, occurredAt, 'event:user.updated');
}

function signal(change: OwnerChange, sub: string, eventId: string, occurredAt: string, source: string): ReadAuth0Event {
  return { kind: 'signal', signal: { change, sub, eventId, occurredAt, actor: `auth0:user.${change}`, source } };
}

function ignored(reason: string, eventId?: string): Ignored {
  return eventId === undefined ? { kind: 'ignored', reason } : { kind: 'ignored', reason, eventId };
}

/** 1 to 255 characters, well-formed UTF-16, no control characters: ids (users, logs, events) or nothing. */
function boundedId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return undefined;
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) return undefined;
  return value;
}

/** ISO-8601 date and time with a zone (`Z` or an offset), as Auth0 writes them. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** The instant, normalised to UTC milliseconds; an impossible date (February 30th, 24:00) is no date. */
function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO_TIME.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const asDate = new Date(local);
  const exact =
    year >= 1000 &&
    asDate.getUTCFullYear() === year &&
    asDate.getUTCMonth() === month - 1 &&
    asDate.getUTCDate() === day &&
    asDate.getUTCHours() === hour &&
    asDate.getUTCMinutes() === minute &&
    asDate.getUTCSeconds() === second;
  const offsetHours = Number(match[9] ?? '0');
  const offsetMinutes = Number(match[10] ?? '0');
  if (!exact || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offset = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(local + millis - offset).toISOString();
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: `constructor`, `__proto__` and the like are never read as Auth0's fields. */
function has(record: Json, key: string): boolean {
  return Object.hasOwn(record, key);
}

function field(record: Json, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
