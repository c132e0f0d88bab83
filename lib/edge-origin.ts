import { Stack, Token } from 'aws-cdk-lib';
import { ApiMapping, CfnApi, DomainName, EndpointType, SecurityPolicy, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ConfigError } from '../lambdas/settings/config-error';
import type { EdgeConfig } from './edge-config';

export interface EdgeOriginProps {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly edge: EdgeConfig;
}

/**
 * What CloudFront calls: the API's own regional custom domain, the only way
 * in once the `execute-api` endpoint is off (which refuses every client,
 * CloudFront included: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-disable-default-endpoint.html).
 * The domain is public; with origin mutual TLS it accepts only clients
 * presenting a certificate from the operator's CA, which CloudFront does
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mutual-tls.html).
 */
export class EdgeOrigin extends Construct {
  readonly domainName: DomainName;

  constructor(scope: Construct, id: string, props: EdgeOriginProps) {
    super(scope, id);
    const { edge } = props;
    const region = Stack.of(this).region;
    const certificateRegion = edge.originCertificateArn.split(':')[3];
    if (!Token.isUnresolved(region) && certificateRegion !== region) {
      throw new ConfigError('edgeOriginCertificateArn', {
        detail: `must be a certificate in the stack's region ${region} (API Gateway reads a regional domain's certificate there), not ${certificateRegion}`,
      });
    }
    // HttpApi has the prop, but KeyApi builds the API for both modes: set on the resource.
    (props.api.node.defaultChild as CfnApi).disableExecuteApiEndpoint = true;

    this.domainName = new DomainName(this, 'Domain', {
      domainName: edge.originDomainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', edge.originCertificateArn),
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
      ...(edge.originMtls !== undefined
        ? {
            mtls: {
              bucket: Bucket.fromBucketName(this, 'Truststore', edge.originMtls.truststoreBucket),
              key: edge.originMtls.truststoreKey,
            },
          }
        : {}),
    });
    new ApiMapping(this, 'Mapping', { api: props.api, domainName: this.domainName, stage: props.stage });
  }
}
