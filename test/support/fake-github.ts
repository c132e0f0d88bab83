import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { managementEvent } from './management-event';

/** A key as GitHub holds one: the private half signs alerts, the public half goes in the keys document. */
export interface GitHubTestKey {
  readonly id: string;
  readonly privateKey: KeyObject;
  readonly publicPem: string;
}

export function newGitHubKey(): GitHubTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    id: createHash('sha256').update(randomBytes(16)).digest('hex'),
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** What GitHub sends: ECDSA P-256 / SHA-256 over the raw body, base64 ASN.1 DER. */
export function signBody(key: GitHubTestKey, body: Buffer | string): string {
  return sign('sha256', Buffer.from(body), { key: key.privateKey, dsaEncoding: 'der' }).toString('base64');
}

/**
 * GitHub's keys endpoint on 127.0.0.1: serves `{ public_keys }` for the keys
 * it holds now, counts every request (the refetch bound is checked here, at
 * the server), and can be made to fail.
 */
export class FakeGitHub {
  keys: GitHubTestKey[];
  fetches = 0;
  readonly requestHeaders: IncomingHttpHeaders[] = [];
  /** Set: the next answers are this status (or this raw body with 200). */
  failWith: { status: number; body?: string } | undefined;
  /** Set: answered with this ETag, and 304 to a matching If-None-Match. */
  etag: string | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    keys: GitHubTestKey[],
  ) {
    this.keys = keys;
  }

  static async start(keys: GitHubTestKey[] = [newGitHubKey()]): Promise<FakeGitHub> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const github = new FakeGitHub(server, `http://127.0.0.1:${port}/meta/public_keys/secret_scanning`, keys);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      github.answer(request.headers, response);
    });
    return github;
  }

  get key(): GitHubTestKey {
    const [first] = this.keys;
    if (first === undefined) throw new Error('the fake GitHub holds no key');
    return first;
  }

  document(): unknown {
    return { public_keys: this.keys.map((key, index) => ({ key_identifier: key.id, key: key.publicPem, is_current: index === 0 })) };
  }

  /** The headers GitHub would send with `body`, signed by `key` (default the current one). */
  headersFor(body: Buffer | string, key: GitHubTestKey = this.key): Record<string, string> {
    return { 'github-public-key-identifier': key.id, 'github-public-key-signature': signBody(key, body) };
  }

  /** An API Gateway event for POST /secret-scanning/github with `body` and `headers`. */
  event(body: string, headers: Record<string, string | undefined>, options: { isBase64Encoded?: boolean } = {}): APIGatewayProxyEventV2 {
    const event = managementEvent('POST /secret-scanning/github', { body, ...options });
    return { ...event, headers: { ...event.headers, 'content-type': 'application/json', ...headers } };
  }

  /** A signed alert, as GitHub would post it. */
  alert(matches: readonly object[], key: GitHubTestKey = this.key): { body: string; event: APIGatewayProxyEventV2 } {
    const body = JSON.stringify(matches);
    return { body, event: this.event(body, this.headersFor(body, key)) };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  private answer(headers: IncomingHttpHeaders, response: ServerResponse): void {
    this.fetches += 1;
    this.requestHeaders.push(headers);
    if (this.failWith !== undefined) {
      response.writeHead(this.failWith.status, { 'content-type': 'application/json' });
      response.end(this.failWith.body ?? '{"message":"Server Error"}');
      return;
    }
    if (this.etag !== undefined && headers['if-none-match'] === this.etag) {
      response.writeHead(304, { etag: this.etag });
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', ...(this.etag !== undefined ? { etag: this.etag } : {}) });
    response.end(JSON.stringify(this.document()));
  }
}
