import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

/** Who the gateway says made the request: the key's owner, the key, its scopes. */
export interface Caller extends JWTPayload {
  sub: string;
  keyId: string;
  scopes: string[];
}

/**
 * issuer:   the gateway's URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com
 * audience: this backend, e.g. https://internal.example.com (the stack's assertionAudience)
 */
export function assertionVerifier(issuer: string, audience: string) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  return async (header: string | undefined): Promise<Caller> => {
    if (header === undefined) throw new Error('no x-api-key-assertion: the request did not come through the gateway');
    const { payload } = await jwtVerify<Caller>(header, jwks, {
      issuer,
      audience,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'sub', 'keyId', 'scopes'],
    });
    return payload;
  };
}

// const verify = assertionVerifier(ISSUER, AUDIENCE);
// const caller = await verify(request.headers['x-api-key-assertion']); // throws unless the gateway signed it for you
