import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { toLambdaRecord } from '../../../local/lifecycle-stream';

const ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/ApiKeys/stream/2026-01-02T03:04:05.678';

describe("toLambdaRecord: the streams API's record (as the SDK reads it) in Lambda's shape", () => {
  it('gives the time in epoch seconds, the stream ARN, and DynamoDB JSON for every attribute type', () => {
    const record: _Record = {
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-01-02T03:04:00Z'),
        Keys: { pk: { S: 'event#k#t#0#n' } },
        NewImage: {
          s: { S: 'text' },
          n: { N: '12345678901234567890' },
          b: { B: new Uint8Array([1, 2, 255]) },
          ss: { SS: ['a', 'b'] },
          ns: { NS: ['1', '2.5'] },
          bs: { BS: [new Uint8Array([0]), new Uint8Array([104, 105])] },
          m: { M: { inner: { L: [{ BOOL: true }, { NULL: true }] } } },
          // DynamoDB Local's empty map, an attribute value with no type.
          empty: {} as never,
        },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 99,
        StreamViewType: 'NEW_IMAGE',
      },
    };
    expect(toLambdaRecord(record, ARN)).toEqual({
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: 1767323040,
        Keys: { pk: { S: 'event#k#t#0#n' } },
        NewImage: {
          s: { S: 'text' },
          n: { N: '12345678901234567890' },
          b: { B: 'AQL/' },
          ss: { SS: ['a', 'b'] },
          ns: { NS: ['1', '2.5'] },
          bs: { BS: ['AA==', 'aGk='] },
          m: { M: { inner: { L: [{ BOOL: true }, { NULL: true }] } } },
          empty: { M: {} },
        },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 99,
        StreamViewType: 'NEW_IMAGE',
      },
      eventSourceARN: ARN,
    });
  });

  it("names a TTL deletion's identity as Lambda does (lower-case fields)", () => {
    const record: _Record = {
      eventName: 'REMOVE',
      dynamodb: { Keys: { pk: { S: 'x' } }, SequenceNumber: '1' },
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
    };
    expect(toLambdaRecord(record, ARN)).toEqual({
      eventName: 'REMOVE',
      dynamodb: { Keys: { pk: { S: 'x' } }, SequenceNumber: '1' },
      eventSourceARN: ARN,
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
  });
});
