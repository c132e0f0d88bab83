import { createJwksHandler } from '../handlers/jwks';
import { lambdaJwksDependencies } from '../runtime/assertion-wiring';

export const handler = createJwksHandler(lambdaJwksDependencies());
