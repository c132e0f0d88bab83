import { createTokenHandler } from '../handlers/token';
import { lambdaTokenDependencies } from '../runtime/token-wiring';

export const handler = createTokenHandler(lambdaTokenDependencies());
