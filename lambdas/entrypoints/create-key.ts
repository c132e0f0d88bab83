import { createCreateKeyHandler } from '../handlers/create-key';
import { lambdaManagementDependencies } from '../runtime/management-wiring';

export const handler = createCreateKeyHandler(lambdaManagementDependencies());
