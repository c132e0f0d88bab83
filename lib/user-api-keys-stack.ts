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
    new CfnOutput(this, 'ApiUrl', { value: this.keys.stage.url, description: 'Gateway URL (POST /keys, /whoami, ...)' });
    new CfnOutput(this, 'TableName', { value: this.keys.table.tableName, description: 'The API key table' });
  }
}
