import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  AUTH0_EVENT_TYPES,
  IGNORED,
  LOG_STREAM_EVENT_TYPES,
  auth0EventBridgePatterns,
  readAuth0Event,
  type OwnerSignal,
  type ReadAuth0Event,
} from '../../../lambdas/domain/auth0-events';

const FIXTURES = join(__dirname, '../../fixtures/auth0');
const FIXTURE_FILES = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
const TEXTS = new Map(FIXTURE_FILES.map((name) => [name, readFileSync(join(FIXTURES, name), 'utf8')]));
/** A fresh copy of a fixture, to read or to change. */
const fixture = (name: string): any => JSON.parse(TEXTS.get(name) ?? readFileSync(join(FIXTURES, name), 'utf8'));

const USER = 'auth0|65f1c2d3e4a5b6c7d8e9f012';
const REASONS: readonly string[] = Object.values(IGNORED);

const deleted = (eventId: string, occurredAt: string, source: string): ReadAuth0Event => ({
  kind: 'signal',
  signal: { change: 'deleted', sub: USER, eventId, occurredAt, actor: 'auth0:user.deleted', source },
});
const blocked = (change: 'blocked' | 'unblocked', eventId: string, occurredAt: string, source: string): ReadAuth0Event => ({
  kind: 'signal',
  signal: { change, sub: USER, eventId, occurredAt, actor: `auth0:user.${change}`, source },
});
const ignored = (reason: string, eventId?: string): ReadAuth0Event =>
  eventId === undefined ? { kind: 'ignored', reason } : { kind: 'ignored', reason, eventId };

const SDU_LOG = '90020250314101502433117000000000000001223372036854775807';
const DELETE_LOG = '90020250314101502417093000000000000001223372036854775806';

/** Every file in test/fixtures/auth0, and what it must read as. */
const EXPECTED: Record<string, ReadAuth0Event> = {
  'logs-eventbridge-sdu.json': deleted(SDU_LOG, '2025-03-14T10:15:02.433Z', 'log:sdu'),
  'logs-api-sdu.json': deleted(SDU_LOG, '2025-03-14T10:15:02.433Z', 'log:sdu'),
  'logs-eventbridge-sapi-delete-user.json': deleted(DELETE_LOG, '2025-03-14T10:15:02.417Z', 'log:sapi'),
  'logs-webhook-item-sapi-delete-user.json': deleted(DELETE_LOG, '2025-03-14T10:15:02.417Z', 'log:sapi'),
  'logs-eventbridge-sapi-block-user.json': blocked(
    'blocked',
    '90020250310083011902417000000000000001223372036854775801',
    '2025-03-10T08:30:11.902Z',
    'log:sapi',
  ),
  'logs-eventbridge-sapi-unblock-user.json': blocked(
    'unblocked',
    '90020250311142207318845000000000000001223372036854775802',
    '2025-03-11T14:22:07.318Z',
    'log:sapi',
  ),
  'logs-eventbridge-sapi-update-user-name.json': ignored(
    IGNORED.updateWithoutBlocked,
    '90020250312091544650321000000000000001223372036854775803',
  ),
  'logs-eventbridge-sapi-delete-user-roles.json': ignored(
    IGNORED.notUserOperation,
    '90020250312100102117480000000000000001223372036854775804',
  ),
  'logs-eventbridge-fapi-delete-user.json': ignored(IGNORED.logTypeNotHandled, '90020250314101733205581000000000000001223372036854775808'),
  'logs-eventbridge-fdu.json': ignored(IGNORED.logTypeNotHandled, '90020250314101651077204000000000000001223372036854775809'),
  'logs-eventbridge-s-login.json': ignored(IGNORED.logTypeNotHandled, '90020250312162248103662000000000000001223372036854775800'),
  'events-eventbridge-user-deleted.json': deleted('evt_7Yq2LmN9pR4sT6vW8xZ1aB', '2025-03-14T10:15:02.466Z', 'event:user.deleted'),
  'events-webhook-user-deleted.json': deleted('evt_7Yq2LmN9pR4sT6vW8xZ1aB', '2025-03-14T10:15:02.466Z', 'event:user.deleted'),
  'events-eventbridge-user-updated-blocked.json': blocked(
    'blocked',
    'evt_2Hc5Jd8Kf1Lg4Mh7Nj0PkQ',
    '2025-03-10T08:30:11.881Z',
    'event:user.updated',
  ),
  'events-webhook-user-updated-blocked.json': blocked(
    'blocked',
    'evt_2Hc5Jd8Kf1Lg4Mh7Nj0PkQ',
    '2025-03-10T08:30:11.881Z',
    'event:user.updated',
  ),
  'events-eventbridge-user-updated-unblocked.json': blocked(
    'unblocked',
    'evt_9Rs3Tu6Vw0Xy2Za5Bc8DeF',
    '2025-03-11T14:22:07.302Z',
    'event:user.updated',
  ),
  'events-webhook-user-updated-unblocked.json': blocked(
    'unblocked',
    'evt_9Rs3Tu6Vw0Xy2Za5Bc8DeF',
    '2025-03-11T14:22:07.302Z',
    'event:user.updated',
  ),
  'events-eventbridge-user-updated-no-blocked.json': ignored(IGNORED.updateWithoutBlocked, 'evt_4Gh7Jk0Lm3Np6Qr9St2UvW'),
  'events-webhook-user-updated-no-blocked.json': ignored(IGNORED.updateWithoutBlocked, 'evt_4Gh7Jk0Lm3Np6Qr9St2UvW'),
  'events-webhook-user-created.json': ignored(IGNORED.eventTypeNotHandled, 'evt_6Xy9Za2Bc5De8Fg1Hi4JkL'),
};
describe('readAuth0Event: the fixtures, in the shapes Auth0 documents', () => {
  it('has an expectation for every fixture file, and a file for every expectation', () => {
    expect([...FIXTURE_FILES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (name, expected) => {
    expect(readAuth0Event(fixture(name))).toEqual(expected);
  });

  it('lists the log and event types it reads', () => {
    expect(LOG_STREAM_EVENT_TYPES).toEqual(['sdu', 'sapi']);
    expect(AUTH0_EVENT_TYPES).toEqual(['user.deleted', 'user.updated']);
  });
});

/** The `sapi` "Delete a user" fixture, to vary. */
function sapiDelete(): any {
  return fixture('logs-eventbridge-sapi-delete-user.json');
}
const reasonOf = (result: ReadAuth0Event) => (result.kind === 'ignored' ? result.reason : `signal:${result.signal.change}`);
const subOf = (result: ReadAuth0Event) => (result.kind === 'signal' ? result.signal.sub : undefined);

describe('readAuth0Event: Management API writes (sapi)', () => {
  const withPath = (path: unknown) => {
    const event = sapiDelete();
    event.detail.data.details.request.path = path;
    return readAuth0Event(event);
  };

  it.each([
    ['/api/v2/users/auth0%7C65f1c2d3e4a5b6c7d8e9f012/roles', IGNORED.notUserOperation],
    ['/api/v2/users/auth0%7C65f1c2d3e4a5b6c7d8e9f012/', IGNORED.notUserOperation],
    ['/api/v2/users/auth0%7C65f1c2d3e4a5b6c7d8e9f012?fields=user_id', IGNORED.notUserOperation],
    ['/api/v2/users/auth0%7C65f1c2d3e4a5b6c7d8e9f012#x', IGNORED.notUserOperation],
    ['/api/v2/users/', IGNORED.notUserOperation],
    ['/api/v2/users', IGNORED.notUserOperation],
    ['/api/v2/usersauth0%7C65f1', IGNORED.notUserOperation],
    ['/api/v1/users/auth0%7C65f1', IGNORED.notUserOperation],
    ['/api/v2/user-blocks/auth0%7C65f1', IGNORED.notUserOperation],
    ['api/v2/users/auth0%7C65f1', IGNORED.notUserOperation],
    [42, IGNORED.notUserOperation],
    [undefined, IGNORED.notUserOperation],
    ['/api/v2/users/%E0%A4%A', IGNORED.badUserId],
    ['/api/v2/users/auth0%7Cab%00cd', IGNORED.badUserId],
    ['/api/v2/users/auth0%7Cab%0Acd', IGNORED.badUserId],
    [`/api/v2/users/${'a'.repeat(256)}`, IGNORED.badUserId],
    [`/api/v2/users/${'%41'.repeat(256)}`, IGNORED.badUserId],
  ])('path %j is ignored: %s', (path, reason) => {
    expect(reasonOf(withPath(path))).toBe(reason);
  });

  it('takes the user from the path, URL-decoded, up to 255 characters', () => {
    expect(subOf(withPath('/api/v2/users/google-oauth2%7C104857392018273645012'))).toBe('google-oauth2|104857392018273645012');
    expect(subOf(withPath('/api/v2/users/auth0|65f1c2d3e4a5b6c7d8e9f012'))).toBe(USER);
    expect(subOf(withPath('/api/v2/users/samlp%7Cacme%7Cjane%40example.com'))).toBe('samlp|acme|jane@example.com');
    expect(subOf(withPath(`/api/v2/users/${'a'.repeat(255)}`))).toBe('a'.repeat(255));
    expect(subOf(withPath(`/api/v2/users/${'%41'.repeat(255)}`))).toBe('A'.repeat(255));
  });

  it('never takes the user from the log user_id, which is the admin who acted', () => {
    const result = readAuth0Event(sapiDelete());
    expect(subOf(result)).toBe(USER);
    expect(sapiDelete().detail.data.user_id).not.toBe(USER);
  });

  it.each([['delete'], ['DELETE'], ['Delete']])('reads the method %j in any case', (method) => {
    const event = sapiDelete();
    event.detail.data.details.request.method = method;
    expect(reasonOf(readAuth0Event(event))).toBe('signal:deleted');
  });

  it.each([['get'], ['post'], ['put'], [''], [7], [null]])('ignores the method %j', (method) => {
    const event = sapiDelete();
    event.detail.data.details.request.method = method;
    expect(reasonOf(readAuth0Event(event))).toBe(IGNORED.notUserOperation);
  });

  it.each([[404], [500], [199], [300], ['204'], [204.5], [null]])('ignores a sapi log whose status is %j', (statusCode) => {
    const event = sapiDelete();
    event.detail.data.details.response.statusCode = statusCode;
    expect(reasonOf(readAuth0Event(event))).toBe(IGNORED.failedOperation);
  });

  it('reads a sapi log that reports no status as the success its type says it is', () => {
    const event = sapiDelete();
    delete event.detail.data.details.response;
    expect(reasonOf(readAuth0Event(event))).toBe('signal:deleted');
  });

  it('ignores a sapi log without a request', () => {
    const event = sapiDelete();
    delete event.detail.data.details.request;
    expect(reasonOf(readAuth0Event(event))).toBe(IGNORED.noRequest);
    event.detail.data.details = 'details';
    expect(reasonOf(readAuth0Event(event))).toBe(IGNORED.noRequest);
  });

  it('reads blocked only as a boolean in the request body, and refuses a response that says otherwise', () => {
    const block = () => fixture('logs-eventbridge-sapi-block-user.json');
    for (const value of ['true', 1, null, {}]) {
      const event = block();
      event.detail.data.details.request.body.blocked = value;
      expect(reasonOf(readAuth0Event(event))).toBe(IGNORED.updateWithoutBlocked);
    }
    const noBody = block();
    delete noBody.detail.data.details.request.body;
    expect(reasonOf(readAuth0Event(noBody))).toBe(IGNORED.updateWithoutBlocked);

    const contradicted = block();
    contradicted.detail.data.details.response.body.blocked = false;
    expect(reasonOf(readAuth0Event(contradicted))).toBe(IGNORED.responseContradicts);

    const noResponseBody = block();
    delete noResponseBody.detail.data.details.response.body;
    expect(reasonOf(readAuth0Event(noResponseBody))).toBe('signal:blocked');

    const withOtherFields = block();
    withOtherFields.detail.data.details.request.body = { blocked: true, name: 'Jane' };
    expect(reasonOf(readAuth0Event(withOtherFields))).toBe('signal:blocked');
  });
});

describe('readAuth0Event: logs', () => {
  it('takes the log id from the item, else from the log', () => {
    const event = fixture('logs-eventbridge-sdu.json');
    event.detail.log_id = '';
    expect(readAuth0Event(event)).toMatchObject({ kind: 'signal', signal: { eventId: SDU_LOG } });
    delete event.detail.log_id;
    expect(readAuth0Event(event)).toMatchObject({ kind: 'signal', signal: { eventId: SDU_LOG } });
    delete event.detail.data.log_id;
    expect(readAuth0Event(event)).toEqual(ignored(IGNORED.badLogId));
  });

  it.each([[''], [42], ['x'.repeat(256)], ['9002\n0250']])('ignores a log whose log_id is %j', (logId) => {
    const event = fixture('logs-eventbridge-sdu.json');
    event.detail.log_id = logId;
    event.detail.data.log_id = logId;
    expect(readAuth0Event(event)).toEqual(ignored(IGNORED.badLogId));
  });

  it.each([[''], [undefined], [17], ['x'.repeat(256)], ['auth0|\u0007bell'], ['auth0|\u0085next'], ['auth0|\ud800lone']])(
    'ignores an sdu log whose user_id is %j',
    (userId) => {
      const event = fixture('logs-eventbridge-sdu.json');
      event.detail.data.user_id = userId;
      expect(readAuth0Event(event)).toEqual(ignored(IGNORED.badUserId, SDU_LOG));
    },
  );

  it('accepts any well-formed user id up to 255 characters', () => {
    const event = fixture('logs-api-sdu.json');
    for (const userId of ['x', 'a'.repeat(255), 'oidc|acme|ユーザー', 'apple|😀']) {
      event.user_id = userId;
      expect(subOf(readAuth0Event(event))).toBe(userId);
    }
  });

  it('uses the log date, else the EventBridge time, normalised to UTC', () => {
    const event = fixture('logs-eventbridge-sdu.json');
    event.detail.data.date = '2025-03-14T12:15:02.433+02:00';
    expect(readAuth0Event(event)).toMatchObject({ signal: { occurredAt: '2025-03-14T10:15:02.433Z' } });
    event.detail.data.date = '2021-01-16T12:12:30.147123456Z';
    expect(readAuth0Event(event)).toMatchObject({ signal: { occurredAt: '2021-01-16T12:12:30.147Z' } });
    event.detail.data.date = '2025-03-14T10:15:02Z';
    expect(readAuth0Event(event)).toMatchObject({ signal: { occurredAt: '2025-03-14T10:15:02.000Z' } });
    delete event.detail.data.date;
    expect(readAuth0Event(event)).toMatchObject({ signal: { occurredAt: '2025-03-14T10:15:04.000Z' } });
    event.time = 'yesterday';
    expect(readAuth0Event(event)).toEqual(ignored(IGNORED.badDate, SDU_LOG));
  });

  it.each([
    ['2025-02-30T10:00:00Z'],
    ['2025-13-01T10:00:00Z'],
    ['2025-03-14T24:00:00Z'],
    ['2025-03-14T10:60:00Z'],
    ['2025-03-14T10:00:60Z'],
    ['2025-03-14T10:00:00'],
    ['2025-03-14 10:00:00Z'],
    ['2025-03-14T10:00Z'],
    ['2025-03-14'],
    ['0099-03-14T10:00:00Z'],
    ['2025-03-14T10:00:00+24:00'],
    [1741947302433],
  ])('refuses the date %j', (date) => {
    const log = fixture('logs-api-sdu.json');
    log.date = date;
    expect(readAuth0Event(log)).toEqual(ignored(IGNORED.badDate, SDU_LOG));
  });

  it('reads the log only from an Auth0 partner source with detail-type "Auth0 log"', () => {
    const bySource = fixture('logs-eventbridge-sdu.json');
    bySource.source = 'com.example.auth0';
    expect(readAuth0Event(bySource)).toEqual(ignored(IGNORED.notAuth0Source));
    bySource.source = 'aws.partner/auth0.com';
    expect(readAuth0Event(bySource)).toEqual(ignored(IGNORED.notAuth0Source));
    const byType = fixture('logs-eventbridge-sdu.json');
    byType['detail-type'] = ['Auth0 log'];
    expect(readAuth0Event(byType)).toEqual(ignored(IGNORED.notALogDetail));
    const byDetail = fixture('logs-eventbridge-sdu.json');
    byDetail.detail = [byDetail.detail];
    expect(readAuth0Event(byDetail)).toEqual(ignored(IGNORED.noDetail));
    byDetail.detail = { something: 'else' };
    expect(readAuth0Event(byDetail)).toEqual(ignored(IGNORED.unknownDetail));
    const noData = fixture('logs-eventbridge-sdu.json');
    noData.detail.data = 'sdu';
    expect(readAuth0Event(noData)).toEqual(ignored(IGNORED.badLogData, SDU_LOG));
  });
});

describe('readAuth0Event: Auth0 Events (CloudEvents)', () => {
  const updated = (object: Record<string, unknown>, previous?: Record<string, unknown>) => {
    const event = fixture('events-webhook-user-updated-blocked.json');
    event.data =
      previous === undefined
        ? { object: { ...event.data.object, ...object } }
        : { object: { ...event.data.object, ...object }, previous_object: previous };
    return readAuth0Event(event);
  };

  it('reads an unblock only when the user was blocked before, if Auth0 says what was before', () => {
    expect(reasonOf(updated({ blocked: false }, { blocked: true }))).toBe('signal:unblocked');
    expect(reasonOf(updated({ blocked: false }))).toBe('signal:unblocked');
    expect(reasonOf(updated({ blocked: false }, { blocked: false }))).toBe(IGNORED.notAnUnblock);
    expect(reasonOf(updated({ blocked: false }, {}))).toBe(IGNORED.notAnUnblock);
  });

  it('passes a block on even when the user was already blocked', () => {
    expect(reasonOf(updated({ blocked: true }, { blocked: true }))).toBe('signal:blocked');
    expect(reasonOf(updated({ blocked: true }))).toBe('signal:blocked');
  });

  it.each([['true'], [0], [null]])('ignores blocked %j', (value) => {
    expect(reasonOf(updated({ blocked: value }))).toBe(IGNORED.updateWithoutBlocked);
  });

  it('reads the CloudEvent whatever the envelope calls it', () => {
    const event = fixture('events-eventbridge-user-deleted.json');
    event['detail-type'] = 'Auth0 event';
    expect(reasonOf(readAuth0Event(event))).toBe('signal:deleted');
    event.source = 'urn:auth0:acme-prod.us.auth0.com';
    expect(readAuth0Event(event)).toEqual(ignored(IGNORED.notAuth0Source));
  });

  it.each([
    ['specversion', '0.3', IGNORED.badSpecVersion, undefined],
    ['specversion', 1, IGNORED.badSpecVersion, undefined],
    ['id', '', IGNORED.badEventId, undefined],
    ['id', 'e'.repeat(256), IGNORED.badEventId, undefined],
    ['type', 'com.auth0.user.deleted', IGNORED.eventTypeNotHandled, 'evt_7Yq2LmN9pR4sT6vW8xZ1aB'],
    ['type', 'organization.member.deleted', IGNORED.eventTypeNotHandled, 'evt_7Yq2LmN9pR4sT6vW8xZ1aB'],
    ['time', '14/03/2025', IGNORED.badDate, 'evt_7Yq2LmN9pR4sT6vW8xZ1aB'],
    ['data', 'user', IGNORED.noUserObject, 'evt_7Yq2LmN9pR4sT6vW8xZ1aB'],
    ['data', { user: { user_id: USER } }, IGNORED.noUserObject, 'evt_7Yq2LmN9pR4sT6vW8xZ1aB'],
    ['data', { object: { user_id: '' } }, IGNORED.badUserId, 'evt_7Yq2LmN9pR4sT6vW8xZ1aB'],
    ['data', { object: { user_id: ['auth0|x'] } }, IGNORED.badUserId, 'evt_7Yq2LmN9pR4sT6vW8xZ1aB'],
  ])('a user.deleted whose %s is %j is ignored: %s', (key, value, reason, eventId) => {
    const event = fixture('events-webhook-user-deleted.json');
    event[key] = value;
    expect(readAuth0Event(event)).toEqual(ignored(reason, eventId));
  });
});

describe('readAuth0Event: anything else', () => {
  it.each([[null], [undefined], [42], ['{"type":"sdu"}'], [[]], [[fixture('logs-api-sdu.json')]], [true]])('ignores %j', (input) => {
    expect(readAuth0Event(input)).toEqual(ignored(IGNORED.notAnObject));
  });

  it.each([[{}], [{ type: 'sdu', user_id: USER }], [{ log_id: '1' }], [{ detail: {} }], [{ source: 'aws.partner/auth0.com/x' }]])(
    'ignores the shape %j',
    (input) => {
      expect(readAuth0Event(input)).toEqual(ignored(IGNORED.unknownShape));
    },
  );

  it('reads only own properties, not inherited ones', () => {
    const log = Object.create(fixture('logs-api-sdu.json'));
    expect(readAuth0Event(log)).toEqual(ignored(IGNORED.unknownShape));
    const { user_id: inheritedUser, ...ownFields } = fixture('logs-api-sdu.json');
    const withInheritedUser = Object.assign(Object.create({ user_id: inheritedUser }), ownFields);
    expect(readAuth0Event(withInheritedUser)).toEqual(ignored(IGNORED.badUserId, SDU_LOG));
    expect(readAuth0Event({ ...ownFields, user_id: inheritedUser })).toMatchObject({ kind: 'signal' });
    const proto = JSON.parse('{"__proto__": {"type": "sdu"}, "log_id": "1", "user_id": "auth0|x", "date": "2025-03-14T10:15:02Z"}');
    expect(readAuth0Event(proto)).toEqual(ignored(IGNORED.unknownShape));
  });

  it('does not throw on an object whose properties throw', () => {
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    );
    expect(readAuth0Event(hostile)).toEqual(ignored(IGNORED.unreadable));
  });

  it('never echoes the input into the reason', () => {
    const marker = 'MARKER-9f8e7d';
    const event = fixture('logs-eventbridge-sdu.json');
    event.detail.data.type = marker;
    const result = readAuth0Event(event);
    expect(result.kind).toBe('ignored');
    expect(JSON.stringify({ ...result, eventId: undefined })).not.toContain(marker);
  });
});

/** Field names the readers look at, so that generated objects reach past the first checks. */
const KEYS = [
  'detail',
  'detail-type',
  'source',
  'data',
  'log_id',
  'type',
  'date',
  'time',
  'user_id',
  'details',
  'request',
  'response',
  'method',
  'path',
  'body',
  'blocked',
  'statusCode',
  'specversion',
  'id',
  'object',
  'previous_object',
  '__proto__',
  'constructor',
];
const VALUES = [
  'Auth0 log',
  'aws.partner/auth0.com/acme-6f1c/auth0.logs',
  'sdu',
  'sapi',
  'delete',
  'patch',
  '/api/v2/users/auth0%7Cx',
  '/api/v2/users/%E0%A4%A',
  '1.0',
  'user.deleted',
  'user.updated',
  '2025-03-14T10:15:02.433Z',
  'auth0|65f1',
  204,
  true,
  false,
];
const nearlyAuth0 = fc.anything({
  key: fc.oneof(fc.constantFrom(...KEYS), fc.string()),
  values: [fc.constantFrom(...VALUES), fc.string(), fc.integer(), fc.boolean(), fc.constant(null)],
  maxDepth: 6,
  withNullPrototype: true,
  withMap: true,
  withSet: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withBoxedValues: true,
});

function expectWellFormed(result: ReadAuth0Event): void {
  if (result.kind === 'ignored') {
    expect(REASONS).toContain(result.reason);
    if (result.eventId !== undefined) expect(result.eventId.length).toBeLessThanOrEqual(255);
    return;
  }
  const signal: OwnerSignal = result.signal;
  expect(signal.sub.length).toBeGreaterThan(0);
  expect(signal.sub.length).toBeLessThanOrEqual(255);
  // eslint-disable-next-line no-control-regex -- control characters are what must not be there
  expect(signal.sub).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  expect(signal.eventId.length).toBeLessThanOrEqual(255);
  expect(new Date(signal.occurredAt).toISOString()).toBe(signal.occurredAt);
  expect(signal.actor).toBe(`auth0:user.${signal.change}`);
  expect(['log:sdu', 'log:sapi', 'event:user.deleted', 'event:user.updated']).toContain(signal.source);
}

describe('readAuth0Event: fuzzed', () => {
  it('ignores junk, with a fixed reason, and never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const result = readAuth0Event(input);
        expect(result.kind).toBe('ignored');
        expectWellFormed(result);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on objects built from the fields it reads, and what it returns is well formed', () => {
    fc.assert(
      fc.property(nearlyAuth0, (input) => {
        expectWellFormed(readAuth0Event(input));
      }),
      { numRuns: 3000 },
    );
  });

  /** Sets one path of a fixture (a list of keys, made to exist as own properties) to an arbitrary value. */
  const setOwn = (target: object, key: string, value: unknown) =>
    Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  const mutated = fc
    .tuple(
      fc.constantFrom(...FIXTURE_FILES),
      fc.array(fc.constantFrom(...KEYS, '0', 'auth'), { minLength: 1, maxLength: 5 }),
      fc.anything(),
    )
    .map(([name, path, value]) => {
      const root = fixture(name);
      let at: object = root;
      for (const key of path.slice(0, -1)) {
        // Own properties only: `__proto__` or `constructor` must never lead into a shared prototype.
        const own: unknown = Object.hasOwn(at, key) ? (at as Record<string, unknown>)[key] : undefined;
        const next: object = typeof own === 'object' && own !== null ? own : {};
        if (next !== own) setOwn(at, key, next);
        at = next;
      }
      setOwn(at, path[path.length - 1]!, value);
      return root;
    });

  it('never throws on a fixture with one field changed to anything, and what it returns is well formed', () => {
    fc.assert(
      fc.property(mutated, (input) => {
        expectWellFormed(readAuth0Event(input));
      }),
      { numRuns: 3000 },
    );
  });
});

/**
 * A model of EventBridge matching for the operators the patterns use (exact strings, `prefix`,
 * `equals-ignore-case`, nested objects), after https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
 * and eb-pattern-content-based-filtering.html. It checks the patterns say what they mean; AWS's own
 * TestEventPattern remains the authority.
 */
function matches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((rule) => {
      if (typeof rule === 'string') return event === rule;
      if (typeof event !== 'string' || typeof rule !== 'object' || rule === null) return false;
      if ('prefix' in rule) return event.startsWith(String(rule.prefix));
      if ('equals-ignore-case' in rule) return event.toLowerCase() === String(rule['equals-ignore-case']).toLowerCase();
      throw new Error(`operator not modelled: ${JSON.stringify(rule)}`);
    });
  }
  if (typeof pattern !== 'object' || pattern === null || typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([key, sub]) => key in event && matches(sub, (event as Record<string, unknown>)[key]));
}
const matchedByARule = (event: unknown) => auth0EventBridgePatterns().some((pattern) => matches(pattern, event));

describe('auth0EventBridgePatterns', () => {
  it('is plain JSON', () => {
    const patterns = auth0EventBridgePatterns();
    expect(JSON.parse(JSON.stringify(patterns))).toEqual(patterns);
    expect(patterns.length).toBe(3);
  });

  it('is a fresh copy each time, so a caller cannot change the next one', () => {
    const first = auth0EventBridgePatterns();
    (first[0] as any).source.push('x');
    expect(auth0EventBridgePatterns()[0]).toEqual({
      source: [{ prefix: 'aws.partner/auth0.com/' }],
      'detail-type': ['Auth0 log'],
      detail: { data: { type: ['sdu'] } },
    });
  });

  it('lets every EventBridge fixture that carries a signal through', () => {
    for (const name of FIXTURE_FILES.filter((file) => file.includes('-eventbridge-') && EXPECTED[file]!.kind === 'signal')) {
      expect([name, matchedByARule(fixture(name))]).toEqual([name, true]);
    }
  });

  it('holds back logins, failed operations, other events and other sources', () => {
    for (const name of ['logs-eventbridge-s-login.json', 'logs-eventbridge-fdu.json', 'logs-eventbridge-fapi-delete-user.json']) {
      expect([name, matchedByARule(fixture(name))]).toEqual([name, false]);
    }
    const created = fixture('events-eventbridge-user-deleted.json');
    created.detail = fixture('events-webhook-user-created.json');
    expect(matchedByARule(created)).toBe(false);
    const elsewhere = fixture('logs-eventbridge-sdu.json');
    elsewhere.source = 'com.example.auth0';
    expect(matchedByARule(elsewhere)).toBe(false);
    const readUser = fixture('logs-eventbridge-sapi-delete-user.json');
    readUser.detail.data.details.request.method = 'post';
    expect(matchedByARule(readUser)).toBe(false);
    readUser.detail.data.details.request.method = 'DELETE';
    readUser.detail.data.details.request.path = '/api/v2/clients/abc';
    expect(matchedByARule(readUser)).toBe(false);
  });

  it('lets through DELETE and PATCH of /api/v2/users/… in any case, leaving the exact path to readAuth0Event', () => {
    const event = fixture('logs-eventbridge-sapi-block-user.json');
    event.detail.data.details.request.method = 'PATCH';
    expect(matchedByARule(event)).toBe(true);
    expect(matchedByARule(fixture('logs-eventbridge-sapi-delete-user-roles.json'))).toBe(true);
  });
});
