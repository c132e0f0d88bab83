import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaLifecycleEventsDependencies } from '../../../lambdas/runtime/lifecycle-events-wiring';
import { ConfigError } from '../../../lambdas/settings/config-error';
import { eventRecords } from '../../support/stream-records';
import { createLifecycleEventsHandler } from '../../../lambdas/handlers/lifecycle-events';

/** The deployed wiring, from the function's environment, over a mocked EventBridge. */
describe('the lifecycle-events function wiring', () => {
  const eventBridge = mockClient(EventBridgeClient);
  const saved = { ...process.env };
  beforeEach(() => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }] });
    Object.assign(process.env, {
      TABLE_NAME: 'ApiKeys',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterEach(() => {
    eventBridge.reset();
    process.env = { ...saved };
  });
  afterAll(() => {
    eventBridge.restore();
  });

  const busOfPublished = async (): Promise<(string | undefined)[]> => {
    await createLifecycleEventsHandler(lambdaLifecycleEventsDependencies())({ Records: eventRecords(1) });
    return eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.EventBusName));
  };

  it('puts events on the bus EVENT_BUS_NAME names', async () => {
    process.env.EVENT_BUS_NAME = 'key-events';
    await expect(busOfPublished()).resolves.toEqual(['key-events']);
  });

  it("puts them on the account's default bus when it is unset", async () => {
    delete process.env.EVENT_BUS_NAME;
    await expect(busOfPublished()).resolves.toEqual([undefined]);
  });

  it('fails at start-up, naming the setting, when it is no bus name or ARN', () => {
    process.env.EVENT_BUS_NAME = 'not a bus!';
    expect(() => lambdaLifecycleEventsDependencies()).toThrow(ConfigError);
    expect(() => lambdaLifecycleEventsDependencies()).toThrow(/EVENT_BUS_NAME/);
  });
});
