import { createAdminListKeysHandler } from '../handlers/admin-keys';
import { lambdaAdminDependencies } from '../runtime/management-wiring';

export const handler = createAdminListKeysHandler(lambdaAdminDependencies());
