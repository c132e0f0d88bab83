import { createExpiryNoticesHandler } from '../handlers/expiry-notices';
import { lambdaExpiryNoticesDependencies } from '../runtime/expiry-notices-wiring';

export const handler = createExpiryNoticesHandler(lambdaExpiryNoticesDependencies());
