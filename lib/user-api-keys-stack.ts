import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CONSOLE_PATH } from '../lambdas/handlers/console';
import { ASSERTION_SETTINGS } from '../lambdas/settings/sections/assertion';
import type { EdgeConfig } from './edge-config';
import { EdgeFirewall } from './edge-firewall';
import { KeyEdge } from './key-edge';
import { UserApiKeys, type UserApiKeysProps } from './user-api-keys';

export interface UserApiKeysStackProps extends StackProps {
  readonly keys: UserApiKeysProps;
  /** CloudFront and AWS WAF in front of the API (README "Edge"); the web ACL is made here unless its ARN is given (from us-east-1). */
  readonly edge?: { readonly config: EdgeConfig; readonly logRetentionDays: number; readonly webAclArn?: string } | undefined;
}

/** What `cdk deploy` deploys: the UserApiKeys construct and its outputs. */
export class UserApiKeysStack extends Stack {
  readonly keys: UserApiKeys;
  readonly edge?: KeyEdge;

  constructor(scope: Construct, id: string, props: UserApiKeysStackProps) {
    super(scope, id, props);
    this.keys = new UserApiKeys(this, 'UserApiKeys', props.keys);
    if (props.edge !== undefined) {
      const { config, logRetentionDays, webAclArn } = props.edge;
      this.edge = new KeyEdge(this, 'Edge', {
        api: this.keys.api,
        stage: this.keys.stage,
        edge: config,
        webAclArn:
          webAclArn ??
          new EdgeFirewall(this, 'EdgeFirewall', {
            ...config,
            logRetentionDays,
            // Its logs and sampled requests hide the key header as well as Authorization.
            keyHeader: props.keys.keyHeader ?? ASSERTION_SETTINGS.keyHeader.default,
          }).webAcl.attrArn,
      });
      // The execute-api endpoint is off: the assertion's issuer (and its JWKS URL) must be the edge's.
      this.keys.servedAt(this.edge.url);
    }
    // The API's endpoint, "https://abcdef.execute-api.us-west-2.amazonaws.com" (AWS::ApiGatewayV2::Api return values),
    // rather than the stage URL, which ends in "/": `$API_URL/keys` is then the route.
    new CfnOutput(this, 'ApiUrl', {
      // With the edge on, the execute-api endpoint is off: the edge URL is the only one that answers.
      value: this.edge?.url ?? this.keys.api.apiEndpoint,
      description: 'Gateway URL, no trailing slash (POST /keys, /whoami, ...)',
    });
    // The console is served by the API itself: its page is the callback, the logout URL and the web origin of the
    // Auth0 Single Page Application it logs in with (CONSOLE_CLIENT_ID).
    const apiUrl = this.edge?.url ?? this.keys.api.apiEndpoint;
    const consoleUrl = Fn.join('', [apiUrl, CONSOLE_PATH]);
    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl, description: "The key owners' console (GET /console)" });
    new CfnOutput(this, 'ConsoleAuth0Settings', {
      value: Fn.join('', [
        'Allowed Callback URLs: ',
        consoleUrl,
        ' | Allowed Logout URLs: ',
        consoleUrl,
        ' | Allowed Web Origins: ',
        apiUrl,
      ]),
      description:
        'The Auth0 Single Page Application for the console (Applications > Create Application > Single Page Web Applications): these three settings, then its Client ID as consoleClientId',
    });
    new CfnOutput(this, 'TableName', { value: this.keys.table.tableName, description: 'The API key table' });
    const ownerEvents = this.keys.ownerEvents;
    if (ownerEvents !== undefined) {
      new CfnOutput(this, 'Auth0EventBusNames', {
        value: Fn.join(
          ',',
          ownerEvents.eventBuses.map((bus) => bus.eventBusName),
        ),
        description: "The partner event buses of Auth0's event sources (auth0EventSourceNames), comma-separated",
      });
    }
    const webhook = this.keys.auth0Webhook;
    if (webhook !== undefined) {
      // The ARN only: the token's value stays in Secrets Manager (aws secretsmanager get-secret-value --secret-id <ARN>).
      new CfnOutput(this, 'Auth0WebhookTokenSecret', {
        value: webhook.tokenSecret.secretArn,
        description:
          "The secret holding the token of the Auth0 Event Stream's webhook to POST /auth0/events (set it as the stream's Bearer token)",
      });
    }
  }
}
