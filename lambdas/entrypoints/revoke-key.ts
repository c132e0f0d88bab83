import { createRevokeKeyHandler } from '../handlers/revoke-key';
import { lambdaManagementDependencies } from '../runtime/management-wiring';

export const handler = createRevokeKeyHandler(lambdaManagementDependencies());
