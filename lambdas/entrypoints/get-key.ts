import { createGetKeyHandler } from '../handlers/get-key';
import { lambdaManagementDependencies } from '../runtime/management-wiring';

export const handler = createGetKeyHandler(lambdaManagementDependencies());
