import { createGetKeyHandler } from '../handlers/get-key';
import { lambdaManagementDependencies } from '../runtime/lambda-environment';

export const handler = createGetKeyHandler(lambdaManagementDependencies());
