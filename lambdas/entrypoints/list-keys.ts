import { createListKeysHandler } from '../handlers/list-keys';
import { lambdaManagementDependencies } from '../runtime/management-wiring';

export const handler = createListKeysHandler(lambdaManagementDependencies());
