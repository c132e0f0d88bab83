import { Validations } from 'aws-cdk-lib';
import type { UserApiKeys } from './user-api-keys';

/** cdk-nag findings this design accepts, each with its reason. Everything else is fixed, not acknowledged. */
export function acknowledgeNagFindings(keys: UserApiKeys): void {
  Validations.of(keys).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Functions run on Node.js 22, the runtime this repository is built and tested for; moving to a newer runtime is a deliberate, tested change.',
  });
  const healthRoute = keys.api.node.tryFindChild('GET--health');
  if (healthRoute !== undefined) {
    Validations.of(healthRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'GET /health is a public liveness check by design: it returns a constant and touches no data.',
    });
  }
}
