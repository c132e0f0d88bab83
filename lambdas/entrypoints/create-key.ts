import { createCreateKeyHandler } from '../handlers/create-key';
import { lambdaManagementDependencies } from '../runtime/lambda-environment';

export const handler = createCreateKeyHandler(lambdaManagementDependencies());
