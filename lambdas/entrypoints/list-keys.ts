import { createListKeysHandler } from '../handlers/list-keys';
import { lambdaManagementDependencies } from '../runtime/lambda-environment';

export const handler = createListKeysHandler(lambdaManagementDependencies());
