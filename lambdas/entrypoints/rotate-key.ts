import { createRotateKeyHandler } from '../handlers/rotate-key';
import { lambdaManagementDependencies } from '../runtime/management-wiring';

export const handler = createRotateKeyHandler(lambdaManagementDependencies());
