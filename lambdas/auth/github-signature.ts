import { verify } from 'node:crypto';
import { AuthenticationError } from '../domain/errors';
import type { GitHubKeySource } from './github-keys';

/** The headers GitHub signs an alert with (names as API Gateway passes them: lowercase). */
export const KEY_IDENTIFIER_HEADER = 'github-public-key-identifier';
export const SIGNATURE_HEADER = 'github-public-key-signature';

export interface GitHubSignatureHeaders {
  readonly keyIdentifier: string | undefined;
  readonly signature: string | undefined;
}

/** Printable ASCII, bounded: GitHub's identifiers are 64 hex digits. */
const KEY_IDENTIFIER = /^[\x21-\x7e]{1,256}$/;
/** An ECDSA P-256 signature in ASN.1 DER is at most 72 bytes (96 base64 characters); strict base64, padded. */
const BASE64_SIGNATURE = /^(?:[A-Za-z0-9+/]{4}){1,32}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks that GitHub signed `body`, the raw bytes as sent: ECDSA P-256 with
 * SHA-256 (ECDSA-NIST-P256V1-SHA256), the signature base64 ASN.1 DER, made
 * with the key `Github-Public-Key-Identifier` names. The docs: the signature
 * "was generated using the raw message body", so it is never checked against
 * re-serialised JSON
 * (https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program).
 *
 * Every refusal is a 401 (AuthenticationError) and says nothing of which
 * check failed beyond a missing header; a keys fetch that fails is the
 * source's DependencyUnavailableError (503), thrown as is.
 */
export async function verifyGitHubSignature(keys: GitHubKeySource, headers: GitHubSignatureHeaders, body: Buffer): Promise<void> {
  const { keyIdentifier, signature } = headers;
  if (keyIdentifier === undefined || keyIdentifier === '' || signature === undefined || signature === '') {
    throw new AuthenticationError(
      'Send GitHub’s Github-Public-Key-Identifier and Github-Public-Key-Signature headers',
      'MISSING_SIGNATURE',
    );
  }
  const invalid = () => new AuthenticationError('The request is not signed by GitHub', 'INVALID_SIGNATURE');
  // Checked before any key is looked up: a malformed header costs no fetch.
  if (!KEY_IDENTIFIER.test(keyIdentifier) || !BASE64_SIGNATURE.test(signature)) throw invalid();
  const key = await keys.keyFor(keyIdentifier);
  if (key === undefined) throw invalid();
  let valid: boolean;
  try {
    valid = verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    valid = false; // a DER structure OpenSSL cannot read
  }
  if (!valid) throw invalid();
}
