import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { exportJWK, importJWK, jwtVerify, SignJWT, type JWK, type KeyLike } from 'jose';
import { generateSigningKey, type SigningKey } from './token-signer';

/**
 * The signing key kept in a file, so that a restart keeps its `kid` and every
 * token and session signed before it still verifies. The file is the private
 * JWK (with its kid), mode 0600: whoever reads it can sign tokens for any user
 * of the local system. A file that is not such a key is an error naming the
 * file, never replaced: it may be someone's key.
 */

const PRIVATE_MEMBERS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export async function loadOrCreateSigningKey(keyFile: string): Promise<SigningKey> {
  if (!isAbsolute(keyFile)) throw new Error(`The development IdP's keyFile must be an absolute path: ${keyFile}`);
  const existing = await readKeyFile(keyFile);
  if (existing !== undefined) return existing;
  const key = await generateSigningKey();
  const saved = await saveKey(keyFile, key);
  return saved ?? key;
}

async function readKeyFile(keyFile: string): Promise<SigningKey | undefined> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read the development IdP's signing key file ${keyFile}: ${(error as Error).message}`, { cause: error });
  }
  return parseKey(keyFile, text);
}

/** Never quotes the file: a parse error's message would show part of the key. */
async function parseKey(keyFile: string, text: string): Promise<SigningKey> {
  const corrupt = (why: string): Error =>
    new Error(`The development IdP's signing key file ${keyFile} is corrupt (${why}). Delete it to start with a new key.`);
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw corrupt('not a JSON object');
  const fields = jwk as Record<string, unknown>;
  if (fields.kty !== 'RSA') throw corrupt('not an RSA key');
  if (typeof fields.kid !== 'string' || fields.kid === '') throw corrupt('no kid');
  const members: Record<string, string> = {};
  for (const name of PRIVATE_MEMBERS) {
    const member = fields[name];
    if (typeof member !== 'string') throw corrupt('not a whole RSA private key');
    members[name] = member;
  }
  const { kid } = fields;
  const publicJwk: JWK = { kty: 'RSA', n: fields.n as string, e: fields.e as string };
  let privateKey: KeyLike;
  try {
    privateKey = (await importJWK({ ...members, kty: 'RSA' }, 'RS256')) as KeyLike;
    // The halves must belong together: sign once and verify with the public half.
    const probe = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    await jwtVerify(probe, await importJWK(publicJwk, 'RS256'));
  } catch {
    throw corrupt('not a usable RS256 key pair');
  }
  return { privateKey, kid, jwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' } };
}

/**
 * Writes the key to a private temporary file, then links it into place, which
 * fails if the file appeared meanwhile (another start): then that key is read
 * and used, so two starts never end up signing with different keys.
 */
async function saveKey(keyFile: string, key: SigningKey): Promise<SigningKey | undefined> {
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  const jwk: JWK = { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: 'RS256', use: 'sig' };
  const temporary = `${keyFile}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // The mode given to open is reduced by the umask; make sure of 0600.
    await chmod(temporary, 0o600);
    await link(temporary, keyFile);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return await readKeyFile(keyFile);
  } finally {
    await unlink(temporary);
  }
}
