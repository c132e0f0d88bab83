import { createAuthorizerHandler } from '../handlers/authorizer';
import { lambdaAuthorizerDependencies } from '../runtime/lambda-environment';

export const handler = createAuthorizerHandler(lambdaAuthorizerDependencies());
