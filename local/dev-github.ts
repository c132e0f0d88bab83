import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { closeServer, listenOnLoopback, sendJson } from './http-util';

/**
 * The development GitHub: what `npm start` gives `POST /secret-scanning/github`
 * in place of api.github.com. It serves the secret scanning keys document
 * (`GET /meta/public_keys/secret_scanning`, the shape GitHub's has) with one
 * P-256 key, and signs alert bodies with it as GitHub does (ECDSA P-256,
 * SHA-256, base64 ASN.1 DER), so `npm run github-alert` and tests can send
 * alerts the handler believes.
 */

/** The development GitHub's signing key, in DATA_DIR (0600): a PKCS#8 PEM that `openssl dgst -sign` takes as is. */
export const DEV_GITHUB_KEY_FILE = 'dev-github-signing-key.pem';
export const DEV_GITHUB_KEYS_PATH = '/meta/public_keys/secret_scanning';

export interface DevGitHubOptions {
  /** 0: any free port. */
  readonly port: number;
  /** An absolute path: read when it exists, else made (mode 0600). Without it, a new key each start. */
  readonly keyFile?: string | undefined;
}

export interface DevGitHub {
  /** What GITHUB_SECRET_SCANNING_KEYS_URL is set to. */
  readonly keysUrl: string;
  readonly keyIdentifier: string;
  /** The two header values GitHub would send with `body`. */
  sign(body: Buffer): { keyIdentifier: string; signature: string };
  stop(): Promise<void>;
}

export interface DevGitHubKey {
  readonly privateKey: KeyObject;
  /** As GitHub's are: 64 hex digits (here the SHA-256 of the public key's DER). */
  readonly keyIdentifier: string;
  /** SPKI PEM, as the keys document carries it. */
  readonly publicPem: string;
}

export async function startDevGitHub(options: DevGitHubOptions): Promise<DevGitHub> {
  const key = options.keyFile !== undefined ? await loadOrCreateDevGitHubKey(options.keyFile) : devGitHubKey(generateP256());
  const document = { public_keys: [{ key_identifier: key.keyIdentifier, key: key.publicPem, is_current: true }] };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (request.method === 'GET' && path === DEV_GITHUB_KEYS_PATH) sendJson(response, 200, document);
    else sendJson(response, 404, { message: 'Not Found' });
  });
  const port = await listenOnLoopback(server, options.port);
  return {
    keysUrl: `http://127.0.0.1:${port}${DEV_GITHUB_KEYS_PATH}`,
    keyIdentifier: key.keyIdentifier,
    sign: (body) => signAlert(key, body),
    stop: () => closeServer(server),
  };
}

/** GitHub's two headers for `body`, signed with `key`. */
export function signAlert(key: DevGitHubKey, body: Buffer): { keyIdentifier: string; signature: string } {
  return {
    keyIdentifier: key.keyIdentifier,
    signature: sign('sha256', body, { key: key.privateKey, dsaEncoding: 'der' }).toString('base64'),
  };
}

/** The key in `keyFile`, undefined when there is none; a file that is not a P-256 private key is an error naming the file (never quoting it). */
export async function readDevGitHubKey(keyFile: string): Promise<DevGitHubKey | undefined> {
  if (!isAbsolute(keyFile)) throw new Error(`The development GitHub's keyFile must be an absolute path: ${keyFile}`);
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read the development GitHub's signing key file ${keyFile}: ${(error as Error).message}`, { cause: error });
  }
  const privateKey = p256PrivateKey(text);
  if (privateKey === undefined) {
    throw new Error(`The development GitHub's signing key file ${keyFile} is not a P-256 private key. Delete it to start with a new key.`);
  }
  return devGitHubKey(privateKey);
}

export async function loadOrCreateDevGitHubKey(keyFile: string): Promise<DevGitHubKey> {
  const existing = await readDevGitHubKey(keyFile);
  if (existing !== undefined) return existing;
  const key = devGitHubKey(generateP256());
  return (await saveKey(keyFile, key)) ?? key;
}

function p256PrivateKey(pem: string): KeyObject | undefined {
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

function generateP256(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

function devGitHubKey(privateKey: KeyObject): DevGitHubKey {
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    keyIdentifier: createHash('sha256').update(der).digest('hex'),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * As the development IdP keeps its key (local/dev-idp/key-file.ts): a private
 * temporary file linked into place, which fails if another start wrote one
 * meanwhile; then that key is used, so two starts never sign with different keys.
 */
async function saveKey(keyFile: string, key: DevGitHubKey): Promise<DevGitHubKey | undefined> {
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  const temporary = `${keyFile}.${randomBytes(6).toString('hex')}.tmp`;
  const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temporary, 0o600); // the mode given to open is reduced by the umask
    await link(temporary, keyFile);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return await readDevGitHubKey(keyFile);
  } finally {
    await unlink(temporary);
  }
}
