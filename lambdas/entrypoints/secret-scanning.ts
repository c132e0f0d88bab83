import { createSecretScanningHandler } from '../handlers/secret-scanning';
import { lambdaSecretScanningDependencies } from '../runtime/secret-scanning-wiring';

export const handler = createSecretScanningHandler(lambdaSecretScanningDependencies());
