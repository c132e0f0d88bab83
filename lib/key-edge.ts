import { Annotations, CfnOutput, Duration } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  CfnDistribution,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Construct } from 'constructs';
import type { EdgeConfig } from './edge-config';
import { EdgeOrigin } from './edge-origin';

/** The id of synth's warning that the origin domain, without mutual TLS, is a way around the WAF. */
export const OPEN_ORIGIN_WARNING = 'user-api-keys:edge:openOrigin';

export interface KeyEdgeProps {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly edge: EdgeConfig;
  /** The CLOUDFRONT-scope web ACL (EdgeFirewall), from us-east-1. */
  readonly webAclArn: string;
}

/**
 * The front door: a CloudFront distribution, with the web ACL, in front of the
 * API's custom domain (EdgeOrigin). Nothing is cached and every viewer header
 * but Host reaches the API, Authorization included.
 */
export class KeyEdge extends Construct {
  readonly distribution: Distribution;
  readonly origin: EdgeOrigin;
  /** What clients call, without a trailing slash. */
  readonly url: string;
  /** The operator's name for it, when there is one (else the *.cloudfront.net name). */
  readonly viewerDomainName?: string | undefined;

  constructor(scope: Construct, id: string, props: KeyEdgeProps) {
    super(scope, id);
    const { edge } = props;
    this.origin = new EdgeOrigin(this, 'Origin', props);

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'User API keys: the front door of the HTTP API',
      defaultBehavior: {
        origin: new HttpOrigin(edge.originDomainName, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          // API Gateway answers within 30 s (its integration timeout).
          readTimeout: Duration.seconds(30),
        }),
        // Plain http is refused, not redirected: a redirect comes after the key has crossed in cleartext.
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // With caching off, the AllViewer policies forward Authorization (which an origin request policy
        // cannot name: https://repost.aws/knowledge-center/cloudfront-authorization-header); Host is left out,
        // since API Gateway finds the custom domain by it
        // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html).
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclArn,
      ...(edge.viewer !== undefined
        ? {
            domainNames: [edge.viewer.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', edge.viewer.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    if (edge.originMtls !== undefined) {
      // No L2 prop yet; the CloudFormation property (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-originmtlsconfig.html).
      // The certificate must be imported into ACM in us-east-1 with extended key usage TLS client authentication
      // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-certificate-management-certificate-manager.html).
      (this.distribution.node.defaultChild as CfnDistribution).addPropertyOverride(
        'DistributionConfig.Origins.0.CustomOriginConfig.OriginMtlsConfig',
        { ClientCertificateArn: edge.originMtls.clientCertificateArn },
      );
    } else {
      // Printed by cdk synth and cdk deploy: the template alone cannot show that the origin is open.
      Annotations.of(this).addWarningV2(
        OPEN_ORIGIN_WARNING,
        `The origin domain ${edge.originDomainName} accepts any client, so anyone who calls it directly skips the WAF: ` +
          'set edgeOriginClientCertificateArn and edgeOriginTruststoreUri for origin mutual TLS (README "3. Optional: the edge").',
      );
    }
    this.viewerDomainName = edge.viewer?.domainName;
    this.url = `https://${edge.viewer?.domainName ?? this.distribution.distributionDomainName}`;

    new CfnOutput(this, 'OriginTarget', {
      key: 'EdgeOriginTarget',
      value: this.origin.domainName.regionalDomainName,
      description: `DNS: point ${edge.originDomainName} (CNAME) here`,
    });
    new CfnOutput(this, 'Target', {
      key: 'EdgeTarget',
      value: this.distribution.distributionDomainName,
      description: edge.viewer !== undefined ? `DNS: point ${edge.viewer.domainName} (CNAME) here` : 'The CloudFront distribution',
    });
  }
}
