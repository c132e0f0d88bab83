import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { KeyFormat } from '../../lambdas/domain/key-format';
import { LastUsedRecorder } from '../../lambdas/store/last-used-recorder';
import { eventItemKey, ownerItemKey } from '../../lambdas/store/table-schema';
import { indexPlan, UPGRADE_STEPS, type UpgradeStep } from '../../lambdas/store/table-upgrade';
import { buildApp } from '../../lib/app';
import { BASE_CONTEXT } from './synth-context';

// The stack buildApp() gives `cdk deploy`, without cdk-nag's verdict: stack.test.ts holds every stack to that.
jest.mock('cdk-nag', () => ({
  AwsSolutionsChecks: class {
    readonly name = 'cdk-nag (checked in stack.test.ts)';
    validate = () => ({ success: true, violations: [] });
  },
}));

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

function synth(step?: UpgradeStep): Resources {
  const context = step === undefined ? BASE_CONTEXT : { ...BASE_CONTEXT, tableUpgradeStep: step };
  return Template.fromStack(buildApp(new App({ context })).stack).toJSON().Resources as Resources;
}

/** The statements of the role of the function with this description. */
function statementsOf(resources: Resources, description: string): Statement[] {
  const fn = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description === description)!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

/**
 * Enough of IAM's condition evaluation for these statements, as AWS documents it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
 * `?` is one character, `*` any run; ForAllValues holds when every request value
 * matches one policy value (and when the key is absent); ...IfExists holds when
 * the key is absent; any other operator fails on an absent key.
 */
type RequestContext = Readonly<Record<string, string | readonly string[] | undefined>>;
const like = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  ).test(value);
const OPERATORS: Record<string, (policy: string, value: string) => boolean> = {
  StringEquals: (policy, value) => policy === value,
  StringLike: like,
  StringNotLike: (policy, value) => !like(policy, value),
};
function allows(conditions: Record<string, Record<string, unknown>>, request: RequestContext): boolean {
  return Object.entries(conditions).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const policyValues = [expected].flat() as string[];
      const value = request[key];
      if (operator === 'Null') return (value === undefined) === (policyValues[0] === 'true');
      const [, set, base = '', ifExists] = /^(?:(ForAllValues|ForAnyValue):)?(\w+?)(IfExists)?$/.exec(operator)!;
      const test = OPERATORS[base]!;
      if (value === undefined) return set === 'ForAllValues' || ifExists !== undefined;
      const matches = (one: string) =>
        base.includes('Not') ? policyValues.every((p) => test(p, one)) : policyValues.some((p) => test(p, one));
      if (set === 'ForAllValues') return [value].flat().every(matches);
      if (set === 'ForAnyValue') return [value].flat().some(matches);
      return typeof value === 'string' && matches(value);
    }),
  );
}

const EXPRESSION_WORDS = new Set(['SET', 'REMOVE', 'AND', 'OR', 'NOT', 'attribute_exists', 'attribute_not_exists']);

describe('the table grants', () => {
  const resources = synth();
  const lastUsedStatement = statementsOf(resources, 'API key authorizer').find((s) => actionsOf(s).includes('dynamodb:UpdateItem'))!;

  it('let the authorizer update lastUsedAt alone, on key items only, returning nothing', () => {
    expect(lastUsedStatement.Action).toBe('dynamodb:UpdateItem');
    expect(lastUsedStatement.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'lastUsedAt'] },
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['?'.repeat(22), '?'.repeat(25)] },
      'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['*#*'] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
      StringEquals: { 'dynamodb:ReturnValues': 'NONE' },
    });
  });

  it('let the token exchange read key items (native and imported), and nothing else of the table', () => {
    const statements = statementsOf(resources, 'POST /oauth/token (client-credentials exchange)').filter((s) =>
      actionsOf(s).some((action) => action.startsWith('dynamodb:')),
    );
    expect(statements).toHaveLength(1);
    const [read] = statements as [(typeof statements)[number]];
    expect(actionsOf(read)).toEqual(['dynamodb:GetItem']);
    const get = (pk: string | undefined) => ({ 'dynamodb:LeadingKeys': pk === undefined ? undefined : [pk] });
    for (const keyId of ['A'.repeat(22), 'A'.repeat(25)]) expect(allows(read.Condition!, get(keyId))).toBe(true);
    for (const pk of [ownerItemKey('auth0|1234567890'), ownerItemKey('auth0|1234567890123'), 'A'.repeat(24), undefined]) {
      expect(allows(read.Condition!, get(pk))).toBe(false);
    }
  });

  describe('the authorizer’s UpdateItem condition, evaluated', () => {
    const condition = lastUsedStatement.Condition!;
    const write = (pk: string | undefined, extra: RequestContext = {}): RequestContext => ({
      'dynamodb:LeadingKeys': pk === undefined ? undefined : [pk],
      'dynamodb:Attributes': ['pk', 'lastUsedAt'],
      'dynamodb:ReturnValues': 'NONE',
      ...extra,
    });

    it('allows the write the recorder sends, for every key id the format makes', async () => {
      const sent: UpdateCommand[] = [];
      const client = { send: (command: UpdateCommand) => (sent.push(command), Promise.resolve({})) } as unknown as DynamoDBDocumentClient;
      const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
      const recorder = new LastUsedRecorder({ client, tableName: 't', logger });
      const format = new KeyFormat('uak');
      for (let i = 0; i < 200; i += 1) await recorder.record(format.generate().keyId, new Date());
      for (const { input } of sent) {
        // The attributes the request names (DynamoDB's dynamodb:Attributes): placeholders resolved, keywords and functions left out.
        const expression = `${input.UpdateExpression} ${input.ConditionExpression}`;
        const plain = (expression.match(/(?<![#:\w])[A-Za-z_]\w*/g) ?? []).filter((word) => !EXPRESSION_WORDS.has(word));
        const attributes = [...new Set([...Object.values(input.ExpressionAttributeNames ?? {}), ...plain])];
        expect(attributes.sort()).toEqual(['lastUsedAt', 'pk']);
        const request = {
          'dynamodb:LeadingKeys': [String(input.Key!.pk)],
          'dynamodb:Attributes': attributes,
          'dynamodb:ReturnValues': input.ReturnValues,
        };
        expect(allows(condition, request)).toBe(true);
      }
      expect(sent).toHaveLength(200);
    });

    it('allows the write for an imported Stormpath key id (25 characters A-Z 0-9)', () => {
      expect(allows(condition, write('1A2B3C4D5E6F7G8H9I0JKLMNO'))).toBe(true);
    });

    it('refuses owner and event items, even an owner item as long as a key id', () => {
      const sameLength = ownerItemKey('auth0|1234567890');
      expect(sameLength).toHaveLength(22);
      const sameAsImported = ownerItemKey('auth0|1234567890123');
      expect(sameAsImported).toHaveLength(25);
      for (const pk of [
        sameLength,
        sameAsImported,
        ownerItemKey('alice'),
        eventItemKey('A'.repeat(22), '2026-12-01T00:00:00.000Z#0', 'ab12'),
      ]) {
        expect(allows(condition, write(pk))).toBe(false);
      }
    });

    it('refuses other lengths, a request without a partition key, other attributes and any returned values', () => {
      const keyId = 'A'.repeat(22);
      expect(allows(condition, write(keyId))).toBe(true);
      expect(allows(condition, write('A'.repeat(21)))).toBe(false);
      expect(allows(condition, write('A'.repeat(23)))).toBe(false);
      expect(allows(condition, write('A'.repeat(24)))).toBe(false);
      expect(allows(condition, write('A'.repeat(26)))).toBe(false);
      expect(allows(condition, write(undefined))).toBe(false);
      expect(allows(condition, write(keyId, { 'dynamodb:Attributes': ['pk', 'lastUsedAt', 'secretHash'] }))).toBe(false);
      for (const returned of ['ALL_OLD', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW']) {
        expect(allows(condition, write(keyId, { 'dynamodb:ReturnValues': returned }))).toBe(false);
      }
    });
  });

  it('let no function’s write return an item', () => {
    const writers = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Description as string)
      .flatMap((description) => statementsOf(resources, description))
      .filter((s) => actionsOf(s).some((action) => ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].includes(action)));
    expect(writers.length).toBeGreaterThanOrEqual(5);
    for (const statement of writers) {
      const condition = statement.Condition!;
      const withReadsToo = actionsOf(statement).some((action) => action.endsWith('GetItem'));
      // GetItem carries no ReturnValues: a statement that also grants it must let an absent key through.
      expect(condition).toMatchObject(
        withReadsToo
          ? { StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' } }
          : { StringEquals: { 'dynamodb:ReturnValues': 'NONE' } },
      );
      expect(allows(condition, { 'dynamodb:ReturnValues': 'ALL_OLD' })).toBe(false);
    }
  });

  it.each([undefined, ...UPGRADE_STEPS])('grant Query on the indexes the functions read at step %s, and no other', (step) => {
    const stepResources = step === undefined ? resources : synth(step);
    const queried = (description: string) =>
      statementsOf(stepResources, description)
        .filter((s) => actionsOf(s).includes('dynamodb:Query'))
        .flatMap((s) => [s.Resource].flat())
        .map((arn: any) => String(arn['Fn::Join'][1].at(-1)));
    const { reads } = indexPlan(step);
    expect(queried('GET /keys')).toEqual([`/index/${reads.owner.name}`]);
    expect(queried('GET /keys/{id}/events')).toEqual(reads.events === undefined ? [] : [`/index/${reads.events.name}`]);
  });
});
