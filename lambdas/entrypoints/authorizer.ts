import { createAuthorizerHandler } from '../handlers/authorizer';
import { lambdaAuthorizerDependencies } from '../runtime/authorizer-wiring';

export const handler = createAuthorizerHandler(lambdaAuthorizerDependencies());
