import { createListKeyEventsHandler } from '../handlers/list-key-events';
import { lambdaManagementDependencies } from '../runtime/management-wiring';

export const handler = createListKeyEventsHandler(lambdaManagementDependencies());
