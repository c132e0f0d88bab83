import { createUpdateKeyHandler } from '../handlers/update-key';
import { lambdaManagementDependencies } from '../runtime/management-wiring';

export const handler = createUpdateKeyHandler(lambdaManagementDependencies());
