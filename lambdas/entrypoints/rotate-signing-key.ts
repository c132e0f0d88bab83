import { createRotateSigningKeyHandler } from '../handlers/rotate-signing-key';
import { lambdaKeyRotation } from '../runtime/assertion-wiring';

export const handler = createRotateSigningKeyHandler(lambdaKeyRotation());
