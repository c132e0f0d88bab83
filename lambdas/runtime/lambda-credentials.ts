import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

type CredentialProvider = ReturnType<typeof fromEnv>;
type Credentials = Awaited<ReturnType<CredentialProvider>>;

/** The default chain's rule: credentials with an expiry are re-read from five minutes before it. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/**
 * The deployed bundles' `@aws-sdk/credential-provider-node` (an esbuild alias, lib/bundling.ts): the SDK clients'
 * default credentials are the execution role's, from the environment. Lambda sets AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to "the access keys obtained from the function's execution role"
 * (reserved variables, which a function's configuration cannot set: "Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 *
 * The SDK's default chain reads those same variables with the same `fromEnv`, first, so in Lambda it never gets
 * further; only an AWS_PROFILE (which neither Lambda nor the stack sets) would make it skip them, for profile files
 * a function does not have. Its other links (SSO, the shared ini files, credential processes, web identity tokens,
 * container and instance metadata) and the STS, SSO and sign-in clients they bring are some 145 KB of each bundle
 * that a function never runs. Missing variables fail with fromEnv's own error, as the chain's first link does.
 * Like the chain, the credentials are read once and kept (re-read when the SDK forces a refresh, or near an expiry
 * if one were given). Tests and `npm start` load the real chain.
 */
export function defaultProvider(init: FromEnvInit = {}): CredentialProvider {
  const read = fromEnv(init);
  let credentials: Credentials | undefined;
  return async (options?: Record<string, unknown>) => {
    const expiresSoon = credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < REFRESH_BEFORE_EXPIRY_MS;
    if (credentials === undefined || expiresSoon || options?.forceRefresh === true) credentials = await read();
    return credentials;
  };
}
