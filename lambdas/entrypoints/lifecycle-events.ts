import { createLifecycleEventsHandler } from '../handlers/lifecycle-events';
import { lambdaLifecycleEventsDependencies } from '../runtime/lifecycle-events-wiring';

export const handler = createLifecycleEventsHandler(lambdaLifecycleEventsDependencies());
