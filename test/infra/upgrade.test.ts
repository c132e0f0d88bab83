import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { READ_ONCE_ACTIVE, UPGRADE_STEPS, type UpgradeStep } from '../../lambdas/store/table-upgrade';
import { buildApp } from '../../lib/app';
import { PROJECT_ROOT } from '../../lib/house-function';
import { BASE_CONTEXT, type Resource } from './synth-context';

/**
 * The README's upgrade paths, deploy by deploy: each step changes at most one
 * GSI (CloudFormation adds or deletes one per update, and a projection change
 * is a delete plus a create), replaces no table, and the functions query only
 * indexes that an earlier deploy created (the operator waited for ACTIVE).
 */

interface Deployed {
  readonly label: string;
  readonly tableId: string;
  readonly table: Resource;
  /** The index names the functions Query. */
  readonly queried: readonly string[];
  /** Each management function's TABLE_UPGRADE_STEP, by description. */
  readonly steps?: Readonly<Record<string, string | undefined>>;
}

// The stack buildApp() gives `cdk deploy`, without cdk-nag's verdict: stack.test.ts holds every stack to that.
jest.mock('cdk-nag', () => ({
  AwsSolutionsChecks: class {
    readonly name = 'cdk-nag (checked in stack.test.ts)';
    validate = () => ({ success: true, violations: [] });
  },
}));

/** What `cdk deploy -c tableUpgradeStep=<step>` deploys (no step: a plain `cdk deploy`). */
function synthesized(step: UpgradeStep | undefined): { deployed: Deployed; template: Record<string, any> } {
  const context = step === undefined ? BASE_CONTEXT : { ...BASE_CONTEXT, tableUpgradeStep: step };
  const template = Template.fromStack(buildApp(new App({ context })).stack).toJSON();
  const resources = template.Resources as Record<string, Resource>;
  const tables = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
  expect(tables).toHaveLength(1);
  // Each index once, however many functions query it (GET /keys and the admin routes read the owner index).
  const queried = [
    ...new Set(
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .flatMap((r) => r.Properties.PolicyDocument.Statement)
        .filter((s: any) => [s.Action].flat().includes('dynamodb:Query'))
        .flatMap((s: any) => [s.Resource].flat())
        .map((arn: any) => String(arn['Fn::Join'][1].at(-1)).replace(/^\/index\//, '')),
    ),
  ];
  const steps = Object.fromEntries(
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && /^(GET|POST|PATCH|DELETE) \/(keys|admin)/.test(r.Properties.Description))
      .map((r) => [r.Properties.Description, r.Properties.Environment.Variables.TABLE_UPGRADE_STEP]),
  );
  const [[tableId, table]] = tables as [[string, Resource]];
  return { deployed: { label: step ?? 'cdk deploy (no step)', tableId, table, queried, steps }, template };
}

/** A stack deployed by an older release, as recorded in test/infra/fixtures/upgrade. */
function recorded(file: string): Deployed {
  const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'upgrade', file), 'utf8'));
  return {
    label: `git ${fixture.commit}`,
    tableId: fixture.logicalId,
    table: fixture.resource,
    queried: fixture.queriedIndexSuffixes.map((suffix: string) => suffix.replace(/^\/index\//, '')),
  };
}

/** Properties of AWS::DynamoDB::Table whose change replaces the table, from the resource spec `cdk diff` uses. */
const REPLACING_PROPERTIES: readonly string[] = (() => {
  const spec = JSON.parse(gunzipSync(readFileSync(join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'db.json.gz'))).toString('utf8'));
  const entities: Record<string, any>[] = Object.values(spec.schema.resource.entities);
  const table = entities.find((entity) => entity.cloudFormationType === 'AWS::DynamoDB::Table')!;
  return Object.entries(table.properties as Record<string, { causesReplacement?: string }>)
    .filter(([, property]) => property.causesReplacement === 'yes')
    .map(([name]) => name);
})();

const indexesOf = (table: Resource): Map<string, string> =>
  new Map((table.Properties.GlobalSecondaryIndexes ?? []).map((index: any) => [index.IndexName as string, JSON.stringify(index)] as const));

/** Adds and deletes one update asks of CloudFormation; a changed index counts twice (delete and create). */
function indexChanges(before: Resource, after: Resource): string[] {
  const [was, is] = [indexesOf(before), indexesOf(after)];
  return [
    ...[...is.keys()].filter((name) => !was.has(name)).map((name) => `add ${name}`),
    ...[...was.keys()].filter((name) => !is.has(name)).map((name) => `delete ${name}`),
    ...[...is.keys()]
      .filter((name) => was.has(name) && was.get(name) !== is.get(name))
      .flatMap((name) => [`delete ${name}`, `add ${name}`]),
  ];
}

/** Why deploying `after` over `before` would get stuck or break a reader; empty when it would not. */
function problems(before: Deployed, after: Deployed): string[] {
  const found: string[] = [];
  if (after.tableId !== before.tableId) found.push(`table logical ID ${before.tableId} → ${after.tableId} (a new table)`);
  for (const property of REPLACING_PROPERTIES) {
    if (JSON.stringify(before.table.Properties[property]) !== JSON.stringify(after.table.Properties[property])) {
      found.push(`${property} changes: the table is replaced`);
    }
  }
  const changes = indexChanges(before.table, after.table);
  if (changes.length > 1) found.push(`${changes.length} index changes in one update: ${changes.join(', ')}`);
  // DynamoDB's UpdateTable does one of these at a time: an index created or deleted, or the stream turned on or off.
  const streamChanges =
    JSON.stringify(before.table.Properties.StreamSpecification) !== JSON.stringify(after.table.Properties.StreamSpecification);
  if (streamChanges && changes.length > 0) found.push(`the stream changes in the update that changes an index (${changes.join(', ')})`);
  const [existedBefore, existsAfter] = [indexesOf(before.table), indexesOf(after.table)];
  for (const name of after.queried) {
    // The expiry notice waits, run by run, for its index to be ACTIVE.
    if (!existedBefore.has(name) && !READ_ONCE_ACTIVE.includes(name)) found.push(`functions query ${name} in the update that creates it`);
    if (!existsAfter.has(name)) found.push(`functions query ${name}, which this update deletes`);
  }
  return found;
}

const RELEASE_1 = recorded('release-1-table.json');
const LIFECYCLE = recorded('lifecycle-table.json');
const PREVIOUS = recorded('previous-release-table.json');

/** Where every path ends: the stream alone, then the expiry index alone (a plain deploy). */
const LAST_STEPS: readonly (UpgradeStep | undefined)[] = ['add-stream', undefined];

/** README "Upgrading", in order; `undefined` is a plain `cdk deploy`. */
const PATHS: readonly { from: Deployed; steps: readonly (UpgradeStep | undefined)[] }[] = [
  { from: RELEASE_1, steps: ['release1-add-owner-v2', 'release1-add-key-events', 'remove-old-owner-index', ...LAST_STEPS] },
  { from: LIFECYCLE, steps: ['lifecycle-add-owner-v2', 'lifecycle-read-owner-v2', 'remove-old-owner-index', ...LAST_STEPS] },
  { from: PREVIOUS, steps: LAST_STEPS },
];

describe('upgrading a deployed stack, one index per deploy', () => {
  const current = synthesized(undefined);

  it('reads which properties replace a table from the CDK resource spec', () => {
    expect(REPLACING_PROPERTIES).toEqual(expect.arrayContaining(['KeySchema', 'TableName']));
    expect(REPLACING_PROPERTIES).not.toContain('GlobalSecondaryIndexes');
  });

  it('records the stacks older releases deployed, with the table the current code keeps', () => {
    expect(indexesOf(RELEASE_1.table).size).toBe(1);
    expect([...indexesOf(LIFECYCLE.table).keys()]).toEqual(['byOwner', 'byKeyEvents']);
    expect([...indexesOf(PREVIOUS.table).keys()]).toEqual(['byOwner-v2', 'byKeyEvents']);
    for (const older of [RELEASE_1, LIFECYCLE, PREVIOUS]) {
      expect(older.tableId).toBe(current.deployed.tableId);
      expect(older.table.Properties.StreamSpecification).toBeUndefined();
    }
    expect(current.deployed.table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('would get stuck without the steps: a plain cdk deploy changes two or more indexes at once', () => {
    expect(problems(RELEASE_1, current.deployed)).toEqual([
      '4 index changes in one update: add byOwner-v2, add byKeyEvents, add byExpiryDay, delete byOwner',
      'the stream changes in the update that changes an index (add byOwner-v2, add byKeyEvents, add byExpiryDay, delete byOwner)',
      'functions query byOwner-v2 in the update that creates it',
      'functions query byKeyEvents in the update that creates it',
    ]);
    expect(problems(LIFECYCLE, current.deployed)).toEqual([
      '3 index changes in one update: add byOwner-v2, add byExpiryDay, delete byOwner',
      'the stream changes in the update that changes an index (add byOwner-v2, add byExpiryDay, delete byOwner)',
      'functions query byOwner-v2 in the update that creates it',
    ]);
    expect(problems(PREVIOUS, current.deployed)).toEqual(['the stream changes in the update that changes an index (add byExpiryDay)']);
  });

  describe.each(PATHS.map((path) => [path.from.label, path] as const))('from %s', (_label, path) => {
    const deploys = path.steps.map((step) => synthesized(step));

    it.each(path.steps.map((step, i) => [step ?? 'cdk deploy (no step)', i] as const))(
      'step %s changes at most one index, replaces no table, and reads only indexes made before it',
      (_step, i) => {
        const before = i === 0 ? path.from : deploys[i - 1]!.deployed;
        const after = deploys[i]!.deployed;
        expect(problems(before, after)).toEqual([]);
        expect(after.table.DeletionPolicy).toBe('Retain');
      },
    );

    it('tells the management functions the step, so they read the indexes their grants name', () => {
      path.steps.forEach((step, i) => {
        const steps = Object.values(deploys[i]!.deployed.steps!);
        expect(steps.length).toBeGreaterThan(0);
        for (const value of steps) expect(value).toBe(step);
      });
    });

    it('ends at the default stack, whole', () => {
      expect(path.steps.at(-1)).toBeUndefined();
      expect(deploys.at(-1)!.template).toEqual(current.template);
    });
  });

  it('documents every step in the README, in the order of each path', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const named = PATHS.flatMap((path) => path.steps.filter((step): step is UpgradeStep => step !== undefined));
    expect([...new Set(named)].sort()).toEqual([...UPGRADE_STEPS].sort());
    for (const path of PATHS) {
      const steps = path.steps.filter((step): step is UpgradeStep => step !== undefined);
      // Each path's own steps, then the shared ones (which come once, after both older paths).
      const positions = steps.map((step) => readme.indexOf(`-c tableUpgradeStep=${step}`));
      expect(positions.every((position) => position > 0)).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });
});
