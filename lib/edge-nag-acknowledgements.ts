import { Validations } from 'aws-cdk-lib';
import type { UserApiKeysStack } from './user-api-keys-stack';

/** cdk-nag findings the edge accepts, each with its reason; nothing else is acknowledged. */
export function acknowledgeEdgeNagFindings(stack: UserApiKeysStack): void {
  if (stack.edge === undefined) return;
  const distribution = stack.edge.distribution;
  Validations.of(distribution).acknowledge({
    id: 'AwsSolutions-CFR1',
    reason:
      'An API for key owners and their scripts wherever they are: no country is refused; abuse is limited per client IP by the web ACL.',
  });
  Validations.of(distribution).acknowledge({
    id: 'AwsSolutions-CFR3',
    reason:
      "Every request the distribution receives is logged by its web ACL (log group aws-waf-logs-<stack>, Authorization redacted), and every request that reaches the API by the stage's access log.",
  });
  if (stack.edge.viewerDomainName === undefined) {
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'On its default *.cloudfront.net certificate CloudFront sets the TLSv1 security policy whatever is asked (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html); with edgeDomainName and edgeCertificateArn it uses TLSv1.2_2021.',
    });
  }
}
