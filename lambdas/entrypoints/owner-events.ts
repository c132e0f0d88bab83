import { createOwnerEventsHandler } from '../handlers/owner-events';
import { lambdaOwnerEventDependencies } from '../runtime/owner-events-wiring';

export const handler = createOwnerEventsHandler(lambdaOwnerEventDependencies());
