import { Validations } from 'aws-cdk-lib';
import type { UserApiKeys } from './user-api-keys';

/** cdk-nag findings this design accepts, each with its reason. Everything else is fixed, not acknowledged. */
export function acknowledgeNagFindings(keys: UserApiKeys): void {
  const jwksRoute = keys.api.node.tryFindChild('GET--.well-known--jwks.json');
  if (jwksRoute !== undefined) {
    Validations.of(jwksRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /.well-known/jwks.json publishes the public keys that verify x-api-key-assertion; a JWKS is public by design (backends fetch it unauthenticated).',
    });
  }
  const healthRoute = keys.api.node.tryFindChild('GET--health');
  if (healthRoute !== undefined) {
    Validations.of(healthRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'GET /health is a public liveness check by design: it returns a constant and touches no data.',
    });
  }
  const openApiRoute = keys.api.node.tryFindChild('GET--openapi.json');
  if (openApiRoute !== undefined) {
    Validations.of(openApiRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "GET /openapi.json is the API's OpenAPI document, public by design (clients and generators read it): built from code, it touches no data.",
    });
  }
  for (const id of ['GET--console', 'GET--console--{proxy+}']) {
    const consoleRoute = keys.api.node.tryFindChild(id);
    if (consoleRoute === undefined) continue;
    Validations.of(consoleRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "GET /console and its files are the key owners' console: a static page, its scripts and config.json (the Auth0 application's public client id and the key rules), public as any login page is; the page logs in to Auth0 itself and calls the key routes, which check the access token.",
    });
  }
  const secretScanningRoute = keys.api.node.tryFindChild('POST--secret-scanning--github');
  if (secretScanningRoute !== undefined) {
    Validations.of(secretScanningRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "POST /secret-scanning/github is GitHub's secret scanning partner endpoint: GitHub holds no token of ours, it signs each alert (ECDSA P-256 over the raw body) with keys it publishes, and the function verifies that signature before it reads the body (lambdas/auth/github-signature.ts).",
    });
  }
  const lifecycle = keys.lifecycleEvents;
  if (lifecycle !== undefined) {
    Validations.of(lifecycle.streamDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "It is a dead-letter queue: the table stream's event source mapping sends it the batches it gave up on (an on-failure destination, which cdk-nag does not recognise as a redrive policy).",
    });
    const policy = lifecycle.streamFunction.role?.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "dynamodb:ListStreams on *, as aws-cdk-lib's DynamoEventSource grants it for the stream's event source mapping (so does AWS's AWSLambdaDynamoDBExecutionRole): it lists stream ARNs and reads nothing; the stream's records are granted on this table's stream ARN alone.",
      });
    }
  }
  const tokenKeys = keys.signing.tokenKeysSecret.node.defaultChild;
  if (tokenKeys !== undefined) {
    Validations.of(tokenKeys).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The access token MAC keys are rotated with the signing keys: their rotation function writes this secret in its finishSecret step (lambdas/signing/key-rotation.ts), so the secret has no rotation schedule of its own.',
    });
  }
  const tokenRoute = keys.api.node.tryFindChild('POST--oauth--token');
  if (tokenRoute !== undefined) {
    Validations.of(tokenRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'POST /oauth/token is the OAuth 2.0 client-credentials grant (RFC 6749 §4.4): the client authenticates with its key in the request itself, which the function checks; the route is throttled like key creation.',
    });
  }
  // Only with auth0EventsWebhook.
  const webhookRoute = keys.api.node.tryFindChild('POST--auth0--events');
  if (webhookRoute !== undefined) {
    Validations.of(webhookRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "POST /auth0/events is an Auth0 Event Stream's webhook destination: Auth0 can send no token our authorizers accept, only the stream's shared token (Authorization: Bearer), which the function compares in constant time with the generated token in Secrets Manager before reading the body.",
    });
  }
  const webhookToken = keys.auth0Webhook?.tokenSecret.node.defaultChild;
  if (webhookToken !== undefined) {
    Validations.of(webhookToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The webhook token is shared with Auth0, which keeps its own copy in the Event Stream's settings: a scheduled rotation would break every delivery until someone pasted the new value into Auth0. It is rotated by hand, in both places (the function re-reads the secret every 5 minutes).",
    });
  }
}
