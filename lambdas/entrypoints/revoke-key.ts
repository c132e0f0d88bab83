import { createRevokeKeyHandler } from '../handlers/revoke-key';
import { lambdaManagementDependencies } from '../runtime/lambda-environment';

export const handler = createRevokeKeyHandler(lambdaManagementDependencies());
