import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { KeyService } from '../../lambdas/domain/key-service';
import { createCreateKeyHandler } from '../../lambdas/handlers/create-key';
import { createListKeyEventsHandler } from '../../lambdas/handlers/list-key-events';
import { createListKeysHandler } from '../../lambdas/handlers/list-keys';
import type { ManagementHandler } from '../../lambdas/handlers/management-handler';
import { createUpdateKeyHandler } from '../../lambdas/handlers/update-key';
import type { HttpResponse } from '../../lambdas/http/responses';
import { DynamoKeyStore } from '../../lambdas/store/key-repository';
import { recordingLogger } from '../security/management-harness';
import { freshTable } from '../support/dynamodb';
import { testKeyPolicy } from '../support/key-policy';
import { managementEvent } from '../support/management-event';
import { createTestVerifier, createTokenIssuer } from '../support/tokens';

/**
 * Forged list cursors through the real handlers, KeyService and DynamoKeyStore
 * over DynamoDB Local: whatever the cursor, the answer is a page (200) or
 * 400 INVALID_CURSOR, never a 5xx and never an ERROR log (which, deployed,
 * would fire the 5xx alarm at an attacker's will). Issue #19, finding 4.
 */

const CAROL = 'auth0|carol';
const BOB = 'auth0|bob';
const logger = recordingLogger();
let handlers: { create: ManagementHandler; update: ManagementHandler; list: ManagementHandler; events: ManagementHandler };
let carol: string;
let keyIds: string[];
/** Real cursors, decoded, to mutate one field at a time. */
let keyCursor: Record<string, unknown>;
let eventCursor: Record<string, unknown>;

const json = (response: HttpResponse): any => (response.body === undefined ? undefined : JSON.parse(response.body));
const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const decode = (cursor: string): Record<string, unknown> => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));

function withQuery(event: APIGatewayProxyEventV2, query: Record<string, string>): APIGatewayProxyEventV2 {
  return { ...event, queryStringParameters: query, rawQueryString: new URLSearchParams(query).toString() };
}

const listKeys = (cursor: string) =>
  handlers.list(withQuery(managementEvent('GET /keys', { authorization: `Bearer ${carol}` }), { limit: '1', cursor }));
const listEvents = (cursor: string) =>
  handlers.events(
    withQuery(managementEvent('GET /keys/{id}/events', { authorization: `Bearer ${carol}`, id: keyIds[0] ?? '' }), { limit: '1', cursor }),
  );

beforeAll(async () => {
  const { client, tableName } = await freshTable();
  const tokens = await createTokenIssuer();
  carol = await tokens.signToken({ sub: CAROL });
  const deps = {
    keys: new KeyService({ store: new DynamoKeyStore({ client, tableName }), format: new KeyFormat('uak'), policy: testKeyPolicy() }),
    tokens: createTestVerifier(tokens).verifier,
    logger,
  };
  handlers = {
    create: createCreateKeyHandler(deps),
    update: createUpdateKeyHandler(deps),
    list: createListKeysHandler(deps),
    events: createListKeyEventsHandler(deps),
  };
  keyIds = [];
  for (const name of ['one', 'two', 'three']) {
    const created = await handlers.create(
      managementEvent('POST /keys', { authorization: `Bearer ${carol}`, body: JSON.stringify({ name, scopes: ['read'] }) }),
    );
    expect(created.statusCode).toBe(201);
    keyIds.push(json(created).id as string);
  }
  for (const name of ['renamed', 'renamed again']) {
    const update = managementEvent('PATCH /keys/{id}', { authorization: `Bearer ${carol}`, id: keyIds[0] ?? '' });
    expect((await handlers.update({ ...update, body: JSON.stringify({ name }) })).statusCode).toBe(200);
  }
  const firstKeys = json(
    await handlers.list(withQuery(managementEvent('GET /keys', { authorization: `Bearer ${carol}` }), { limit: '1' })),
  );
  const firstEvents = json(
    await handlers.events(
      withQuery(managementEvent('GET /keys/{id}/events', { authorization: `Bearer ${carol}`, id: keyIds[0] ?? '' }), { limit: '1' }),
    ),
  );
  keyCursor = decode(firstKeys.nextCursor as string);
  eventCursor = decode(firstEvents.nextCursor as string);
});

beforeEach(() => {
  logger.calls.length = 0;
});

/** Every answer is a page or INVALID_CURSOR; nothing was logged as an error. */
function expectNoServerError(response: HttpResponse): void {
  const body = json(response);
  if (response.statusCode !== 200) {
    expect({ status: response.statusCode, code: body?.code }).toEqual({ status: 400, code: 'INVALID_CURSOR' });
  }
  const errors = logger.calls.filter((call) => JSON.stringify(call).includes('request failed'));
  expect(errors).toEqual([]);
}

/** Values a forger would try for a field: empty, other owners and keys, odd types, long and odd text. */
const fieldValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.constant(''), weight: 3 },
    fc.constantFrom(' ', CAROL, BOB, '2026-06-01T10:00:00.000Z', '2026-06-01T10:00:00.000Z#0', 'event#', 'owner#auth0|carol'),
    fc.constantFrom(...[0, 1, 2].map((i) => keyIds[i] ?? '')),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.string({ minLength: 500, maxLength: 1400 }),
    fc.integer(),
    fc.constant(null),
    fc.record({ S: fc.string({ maxLength: 5 }) }),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  );
const FIELDS = ['pk', 'ownerId', 'createdAt', 'eventKeyId', 'eventAt', 'x'] as const;

/** Whole forged objects, real cursors with one field replaced or removed, and raw text. */
const forgedCursor = (real: () => Record<string, unknown>): fc.Arbitrary<string> =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...FIELDS), fieldValue()).map(encode),
    fc.tuple(fc.constantFrom(...FIELDS), fieldValue()).map(([field, value]) => encode({ ...real(), [field]: value })),
    fc
      .func(fc.oneof(fc.constant(undefined), fieldValue()))
      .map((replace) => encode(Object.fromEntries(Object.entries(real()).map(([field, value]) => [field, replace(field) ?? value])))),
    fc.constantFrom(...FIELDS).map((field) => {
      const { [field]: _removed, ...rest } = real();
      return encode(rest);
    }),
    fc.string({ unit: fc.constantFrom(...'ABCxyz019-_=+/!'.split('')), maxLength: 60 }),
    fc.string({ maxLength: 30 }),
  );

describe('list cursors through the handlers over DynamoDB Local', () => {
  it('answers the forged cursor of the review with 400 INVALID_CURSOR, not 503, and logs no error', async () => {
    for (const forged of [
      { pk: '', ownerId: CAROL, createdAt: '' },
      { ...keyCursor, createdAt: '' },
      { ...keyCursor, pk: '' },
    ]) {
      const response = await listKeys(encode(forged));
      expect({ status: response.statusCode, code: json(response).code }).toEqual({ status: 400, code: 'INVALID_CURSOR' });
      expectNoServerError(response);
    }
    for (const forged of [
      { pk: '', eventKeyId: keyIds[0], eventAt: '' },
      { ...eventCursor, eventAt: '' },
      { ...eventCursor, pk: '' },
    ]) {
      const response = await listEvents(encode(forged));
      expect({ status: response.statusCode, code: json(response).code }).toEqual({ status: 400, code: 'INVALID_CURSOR' });
      expectNoServerError(response);
    }
  });

  it('still pages with the cursors it hands out', async () => {
    const keys = await listKeys(encode(keyCursor));
    expect(keys.statusCode).toBe(200);
    expect(json(keys).keys).toHaveLength(1);
    const events = await listEvents(encode(eventCursor));
    expect(events.statusCode).toBe(200);
    expect(json(events).events).toHaveLength(1);
  });

  it('GET /keys: no forged cursor gets a 5xx or an ERROR log', async () => {
    await fc.assert(
      fc.asyncProperty(
        forgedCursor(() => keyCursor),
        async (cursor) => {
          logger.calls.length = 0;
          expectNoServerError(await listKeys(cursor));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('GET /keys/{id}/events: no forged cursor gets a 5xx or an ERROR log', async () => {
    await fc.assert(
      fc.asyncProperty(
        forgedCursor(() => eventCursor),
        async (cursor) => {
          logger.calls.length = 0;
          expectNoServerError(await listEvents(cursor));
        },
      ),
      { numRuns: 300 },
    );
  });
});
