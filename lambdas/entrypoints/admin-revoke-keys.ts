import { createAdminRevokeKeysHandler } from '../handlers/admin-keys';
import { lambdaAdminDependencies } from '../runtime/management-wiring';

export const handler = createAdminRevokeKeysHandler(lambdaAdminDependencies());
