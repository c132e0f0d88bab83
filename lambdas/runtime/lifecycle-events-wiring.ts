import { createEventBridgeClient, EventBridgePublisher } from '../events/eventbridge-publisher';
import type { LifecycleEventsDependencies } from '../handlers/lifecycle-events';
import { createLogger } from '../observability/logger';
import { environmentReader, loadSettings } from '../settings/load';

/** The stream function (lib/lifecycle-events.ts): the `events` settings, one EventBridge client, a logger; no table access. */
export function lambdaLifecycleEventsDependencies(): LifecycleEventsDependencies {
  const settings = loadSettings('events', environmentReader(process.env));
  const logger = createLogger('lifecycle-events');
  const publisher = new EventBridgePublisher({ client: createEventBridgeClient(), eventBusName: settings.eventBusName, logger });
  return { publisher, logger };
}
