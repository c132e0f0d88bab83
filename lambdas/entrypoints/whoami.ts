import { createWhoamiHandler } from '../handlers/whoami';
import { lambdaWhoamiDependencies } from '../runtime/assertion-wiring';

export const handler = createWhoamiHandler(lambdaWhoamiDependencies());
