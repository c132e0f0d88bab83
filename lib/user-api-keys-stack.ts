import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { UserApiKeys, type UserApiKeysProps } from './user-api-keys';

export interface UserApiKeysStackProps extends StackProps {
  readonly keys: UserApiKeysProps;
}

/** What `cdk deploy` deploys: the UserApiKeys construct and its outputs. */
export class UserApiKeysStack extends Stack {
  readonly keys: UserApiKeys;

  constructor(scope: Construct, id: string, props: UserApiKeysStackProps) {
    super(scope, id, props);
    this.keys = new UserApiKeys(this, 'UserApiKeys', props.keys);
    // The API's endpoint, "https://abcdef.execute-api.us-west-2.amazonaws.com" (AWS::ApiGatewayV2::Api return values),
    // rather than the stage URL, which ends in "/": `$API_URL/keys` is then the route.
    new CfnOutput(this, 'ApiUrl', {
      value: this.keys.api.apiEndpoint,
      description: 'Gateway URL, no trailing slash (POST /keys, /whoami, ...)',
    });
    new CfnOutput(this, 'TableName', { value: this.keys.table.tableName, description: 'The API key table' });
  }
}
