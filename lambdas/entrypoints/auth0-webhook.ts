import { createAuth0WebhookHandler } from '../handlers/auth0-webhook';
import { lambdaWebhookDependencies } from '../runtime/owner-events-wiring';

export const handler = createAuth0WebhookHandler(lambdaWebhookDependencies());
