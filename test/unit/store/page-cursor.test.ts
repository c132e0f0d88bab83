import fc from 'fast-check';
import type { AuditEvent } from '../../../lambdas/domain/audit-event';
import { ValidationError } from '../../../lambdas/domain/errors';
import { toEventItem, toItem } from '../../../lambdas/store/item-mapping';
import { decodeCursor, decodeEventCursor, encodeCursor } from '../../../lambdas/store/page-cursor';
import { TABLE } from '../../../lambdas/store/table-schema';
import { seen, type SeenError } from '../../support/domain-errors';

const KEY_ID = '0123456789ABCDEFGHIJab';
const OTHER_KEY_ID = 'ZYXWVUTSRQPONMLKJIHGfe';
const OWNER = 'auth0|carol';
const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** A key's owner-index LastEvaluatedKey, as DynamoDB returns it: the table key and the index key. */
function ownerIndexKey(item: Record<string, unknown>): Record<string, unknown> {
  return { pk: item.pk, ownerId: item.ownerId, createdAt: item.createdAt };
}

function eventIndexKey(item: Record<string, unknown>): Record<string, unknown> {
  return { pk: item.pk, eventKeyId: item[TABLE.eventIndex.partitionKey], eventAt: item[TABLE.eventIndex.sortKey] };
}

const keyItem = toItem({
  keyId: KEY_ID,
  ownerId: OWNER,
  secretHash: 'a'.repeat(64),
  name: 'ci',
  scopes: [],
  createdAt: '2026-06-01T10:00:00.000Z',
  expiresAt: 1_800_000_000,
});
const event: AuditEvent = {
  keyId: KEY_ID,
  keyOwner: OWNER,
  type: 'rename',
  actor: OWNER,
  at: '2026-06-01T10:00:00.000Z',
  sourceIp: '192.0.2.1',
  userAgent: 'test',
  expiresAt: 1_800_000_000,
};
const eventItem = toEventItem(event, 2);
const goodKeyCursor = ownerIndexKey(keyItem);
const goodEventCursor = eventIndexKey(eventItem);

/** What a client would see of the decoder's refusal; fails the test if the cursor is accepted. */
function refusal(decode: () => unknown): SeenError {
  try {
    decode();
  } catch (error) {
    return seen(error);
  }
  throw new Error('the cursor was accepted');
}

describe('decodeCursor (GET /keys)', () => {
  it('round-trips the LastEvaluatedKey of a key item as the store writes it', () => {
    expect(decodeCursor(encodeCursor(goodKeyCursor), OWNER)).toEqual(goodKeyCursor);
  });

  it.each<[string, unknown]>([
    ['the forged cursor of the review (every field empty)', { pk: '', ownerId: OWNER, createdAt: '' }],
    ['an empty key id', { ...goodKeyCursor, pk: '' }],
    ['an empty createdAt', { ...goodKeyCursor, createdAt: '' }],
    ['an empty owner', { ...goodKeyCursor, ownerId: '' }],
    ['another owner', { ...goodKeyCursor, ownerId: 'auth0|bob' }],
    ['a key id of 21 characters', { ...goodKeyCursor, pk: KEY_ID.slice(1) }],
    ['a key id that is not base62', { ...goodKeyCursor, pk: `${KEY_ID.slice(1)}-` }],
    ['an owner item key', { ...goodKeyCursor, pk: `owner#${OWNER}` }],
    ['an event item key', { ...goodKeyCursor, pk: eventItem.pk }],
    ['a createdAt that is not a time', { ...goodKeyCursor, createdAt: 'yesterday' }],
    ['a createdAt on the 13th month', { ...goodKeyCursor, createdAt: '2026-13-01T10:00:00.000Z' }],
    ['a createdAt without milliseconds', { ...goodKeyCursor, createdAt: '2026-06-01T10:00:00Z' }],
    ['a createdAt of 1 MB', { ...goodKeyCursor, createdAt: `2026-06-01T10:00:00.000Z${' '.repeat(1024)}` }],
    ['a numeric field', { ...goodKeyCursor, createdAt: 1 }],
    ['a DynamoDB-typed field', { ...goodKeyCursor, pk: { S: KEY_ID } }],
    ['a missing field', { pk: KEY_ID, ownerId: OWNER }],
    ['an extra field', { ...goodKeyCursor, eventAt: '2026-06-01T10:00:00.000Z#0' }],
    ['an event cursor', goodEventCursor],
    ['an array', [KEY_ID, OWNER, '2026-06-01T10:00:00.000Z']],
    ['null', null],
    ['a string', 'cursor'],
  ])('refuses %s with 400 INVALID_CURSOR', (_name, value) => {
    expect(refusal(() => decodeCursor(encode(value), OWNER))).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });

  it.each([
    ['not base64url', '!!!'],
    ['padded base64', 'e30='],
    ['empty', ''],
    ['over 2048 characters', 'a'.repeat(2049)],
    ['truncated JSON', Buffer.from('{"pk":', 'utf8').toString('base64url')],
  ])('refuses a cursor that is %s', (_name, cursor) => {
    expect(refusal(() => decodeCursor(cursor, OWNER))).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });

  it('refuses anything else with a ValidationError, never another error, and accepts only whole well-formed cursors', () => {
    const field = fc.oneof(fc.string(), fc.constantFrom('', KEY_ID, OWNER, '2026-06-01T10:00:00.000Z'), fc.integer(), fc.constant(null));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('pk', 'ownerId', 'createdAt', 'eventAt', 'x'), field), (value) => {
        let decoded: unknown;
        try {
          decoded = decodeCursor(encode(value), OWNER);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        expect(decoded).toEqual({ pk: KEY_ID, ownerId: OWNER, createdAt: '2026-06-01T10:00:00.000Z' });
      }),
      { numRuns: 500 },
    );
  });
});

describe('decodeEventCursor (GET /keys/{id}/events)', () => {
  it('round-trips the LastEvaluatedKey of an event item as the store writes it', () => {
    expect(goodEventCursor.pk).toMatch(/^event#0123456789ABCDEFGHIJab#2026-06-01T10:00:00\.000Z#2#[0-9a-f]{12}$/);
    expect(decodeEventCursor(encodeCursor(goodEventCursor), KEY_ID)).toEqual(goodEventCursor);
  });

  const otherKeysEvent = eventIndexKey(toEventItem({ ...event, keyId: OTHER_KEY_ID }, 2));

  it.each<[string, unknown]>([
    ['every field empty', { pk: '', eventKeyId: KEY_ID, eventAt: '' }],
    ['an empty pk', { ...goodEventCursor, pk: '' }],
    ['an empty eventAt', { ...goodEventCursor, eventAt: '' }],
    ['another key', { ...goodEventCursor, eventKeyId: OTHER_KEY_ID }],
    ['another key’s event item', otherKeysEvent],
    ['another key’s item key under this key', { ...goodEventCursor, pk: otherKeysEvent.pk }],
    ['a key item as pk', { ...goodEventCursor, pk: KEY_ID }],
    ['a pk for another eventAt', { ...goodEventCursor, eventAt: '2026-06-01T10:00:00.000Z#3' }],
    ['an eventAt without its position', { ...goodEventCursor, eventAt: '2026-06-01T10:00:00.000Z' }],
    ['an eventAt that is not a time', { ...goodEventCursor, eventAt: 'now#0' }],
    ['a pk without its nonce', { ...goodEventCursor, pk: `event#${KEY_ID}#2026-06-01T10:00:00.000Z#2#` }],
    ['a key cursor', goodKeyCursor],
    ['an extra field', { ...goodEventCursor, ownerId: OWNER }],
  ])('refuses %s with 400 INVALID_CURSOR', (_name, value) => {
    expect(refusal(() => decodeEventCursor(encode(value), KEY_ID))).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
  });
});
