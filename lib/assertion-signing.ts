import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SettingsFor } from '../lambdas/settings/schema';
import { functionEnvironment } from '../lambdas/settings/function-environment';
import { worstCaseMs } from '../lambdas/runtime/call-timeouts';
import { DEFAULT_SIGNING_TIMEOUTS } from '../lambdas/signing/aws-clients';
import { MAX_CALLS_PER_STEP } from '../lambdas/signing/key-rotation';
import type { HouseFunction } from './house-function';
import { createKeyFunction, type KeyFunctionOptions } from './key-functions';

/** What the 'assertion' functions are told beyond what this construct makes (the JWKS parameter, the token keys' secret). */
export type AssertionSettingsGiven = Omit<SettingsFor<'assertion'>, 'assertionJwksParameter' | 'accessTokenKeysSecretArn'>;

export interface AssertionSigningProps {
  readonly rotationDays: number;
  /** The 'assertion' functions' settings (issuer, audience), less what this construct makes. */
  readonly settings: AssertionSettingsGiven;
  readonly functionOptions: Omit<KeyFunctionOptions, 'environment' | 'timeout'>;
}

/**
 * Where the gateway's assertion signing keys live, and how they rotate:
 *
 * - a Secrets Manager secret, encrypted with a customer-managed KMS key
 *   (rotation on), holds the private keys; it is created with a random
 *   placeholder, so no key material is ever in the template or an environment;
 * - a rotation function (Secrets Manager's createSecret/setSecret/testSecret/
 *   finishSecret protocol) makes each key with node:crypto, on a schedule;
 * - the public keys go to an SSM String parameter, which the JWKS function
 *   reads: it has no access to the secret. The rotation function owns that
 *   parameter (it creates it with its first PutParameter): it is not a
 *   CloudFormation resource, so no stack update can put back an empty key set
 *   over the published keys. Its name is fixed per stack
 *   (jwksParameterName()), so the functions are told it at synth.
 *
 * RotateImmediatelyOnUpdate starts the first rotation at deploy, but
 * RotateSecret is asynchronous ("Configures and starts the asynchronous
 * process of rotating the secret",
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html),
 * and the RotationSchedule resource does not wait for it
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html).
 * Until the first key exists the authorizer fails closed (500) and retries
 * its load on the next request, never caching the failure.
 */
export class AssertionSigning extends Construct {
  readonly secret: Secret;
  /** The access tokens' MAC keys, derived from the signing keys by their rotation: all the token exchange may read. */
  readonly tokenKeysSecret: Secret;
  readonly encryptionKey: Key;
  /** The JWKS parameter's name, `/<stack name>/assertion-jwks`, and its ARN. */
  readonly jwksParameterName: string;
  readonly jwksParameterArn: string;
  readonly rotationFunction: HouseFunction;

  constructor(scope: Construct, id: string, props: AssertionSigningProps) {
    super(scope, id);
    this.encryptionKey = new Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'User API keys: assertion signing keys (Secrets Manager)',
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.secret = new Secret(this, 'Secret', {
      description: 'User API keys: the private keys that sign x-api-key-assertion (written by its rotation only)',
      encryptionKey: this.encryptionKey,
      // The default: a random placeholder string, which the first rotation replaces with a key set.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.tokenKeysSecret = new Secret(this, 'TokenKeysSecret', {
      description: 'User API keys: the MAC keys of POST /oauth/token access tokens (written by the signing keys rotation only)',
      encryptionKey: this.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stack = Stack.of(this);
    this.jwksParameterName = jwksParameterName(stack.stackName);
    // A name that starts with "/" joins "parameter" with no second slash:
    // arn:aws:ssm:<region>:<account>:parameter/<stack>/assertion-jwks (the ARN format is
    // parameter/${ParameterNameWithoutLeadingSlash}: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
    this.jwksParameterArn = stack.formatArn({ service: 'ssm', resource: `parameter${this.jwksParameterName}` });
    // One per stack: a second would share the name, and two rotations would overwrite each other's keys.
    const others = stack.node.findAll().filter((c) => c instanceof AssertionSigning && c !== this);
    if (others.length > 0) {
      throw new Error(`One UserApiKeys per stack: its JWKS parameter ${this.jwksParameterName} is named after the stack`);
    }

    this.rotationFunction = createKeyFunction(this, 'signingKeyRotation', {
      ...props.functionOptions,
      environment: this.environment(props.settings),
      // Each step's calls may each take worstCaseMs (retries included), one after another; 10 s more for the
      // rest (a cold start's imports, key generation). 58 s: well inside the 15 minutes a rotation function may run.
      timeout: Duration.seconds(Math.ceil((MAX_CALLS_PER_STEP * worstCaseMs(DEFAULT_SIGNING_TIMEOUTS) + 10_000) / 1000)),
    });
    this.grantRotation(this.rotationFunction);

    // Only Secrets Manager, and only for this secret (the confused-deputy guard), may invoke the rotation.
    const permission = new CfnPermission(this, 'RotationInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.rotationFunction.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: this.secret.secretArn,
      sourceAccount: Stack.of(this).account,
    });
    const schedule = new CfnRotationSchedule(this, 'Rotation', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: this.rotationFunction.functionArn,
      rotationRules: { scheduleExpression: `rate(${props.rotationDays} ${props.rotationDays === 1 ? 'day' : 'days'})` },
      // The first key is made at deploy (asynchronously: see above).
      rotateImmediatelyOnUpdate: true,
    });
    // Secrets Manager checks that it may invoke the function when the schedule is created.
    schedule.addResourceDependency(permission);
  }

  /** The environment of the JWKS, rotation and sample /whoami functions. */
  environment(settings: AssertionSettingsGiven): Record<string, string> {
    return functionEnvironment('assertion', {
      ...settings,
      assertionJwksParameter: this.jwksParameterName,
      accessTokenKeysSecretArn: this.tokenKeysSecret.secretArn,
    });
  }

  /** The token exchange: the MAC keys' current value, nothing else (no signing key). */
  grantReadTokenKeys(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.tokenKeysSecret.secretArn] }),
    );
    this.grantKeyUse(grantee, ['kms:Decrypt']);
  }

  /** The authorizer: read the current key set, nothing else (decrypting only through Secrets Manager). */
  grantSign(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }),
    );
    this.grantKeyUse(grantee, ['kms:Decrypt']);
  }

  /** The JWKS function: the public keys' parameter, read only. */
  grantReadJwks(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.jwksParameterArn] }));
  }

  /**
   * The four actions the rotation protocol needs on this secret, and the JWKS parameter: PutParameter in setSecret
   * (which creates it the first time), GetParameter in testSecret; nothing else of SSM, and no other parameter.
   */
  private grantRotation(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [this.secret.secretArn],
      }),
    );
    // finishSecret writes the new set's MAC keys (a new version of their secret; it reads nothing there).
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [this.tokenKeysSecret.secretArn] }),
    );
    this.grantKeyUse(grantee, ['kms:Decrypt', 'kms:GenerateDataKey']);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: [this.jwksParameterArn] }),
    );
  }

  /** The CMK, only as Secrets Manager uses it on the caller's behalf (kms:ViaService). */
  private grantKeyUse(grantee: IGrantable, actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}

/**
 * The JWKS parameter's name: `/<stack name>/assertion-jwks`, which the 'assertion' settings
 * require (a leading "/"). Parameter names may hold letters, digits and `_.-/`, must not begin
 * with "aws" or "ssm" (any case), and may be 1011 characters long including the ARN
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html);
 * a stack name is at most 128 letters, digits and hyphens, so only the prefix rule can bite.
 */
export function jwksParameterName(stackName: string): string {
  const name = `/${stackName}/assertion-jwks`;
  if (!Token.isUnresolved(stackName)) {
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(stackName))
      throw new Error(`The stack name ${JSON.stringify(stackName)} cannot name an SSM parameter`);
    if (/^(aws|ssm)/i.test(stackName)) {
      throw new Error(`SSM refuses parameter names that begin with "aws" or "ssm", as ${name} would: choose another stack name`);
    }
  }
  return name;
}
