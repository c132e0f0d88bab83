import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoCounts } from './dynamo-counter';

const READS = /^(GetItem|BatchGetItem|Query|Scan|TransactGetItems)$/;
const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;

export interface CountingProxy {
  /** For AWS_ENDPOINT_URL_DYNAMODB: the process behind it talks to DynamoDB Local through this. */
  readonly endpoint: string;
  snapshot(): DynamoCounts;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of DynamoDB Local that
 * counts the operations going through it by their `X-Amz-Target`
 * (`DynamoDB_20120810.GetItem`, ...): what DynamoCounter does inside a
 * process, for a process the benchmark cannot reach into (the deployed
 * bundle). Requests and responses are streamed through unchanged, over
 * keep-alive connections of its own. It adds a hop, so it fronts only
 * figures that time no DynamoDB call (figure 1's cached verdicts).
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let counts: DynamoCounts = { reads: 0, writes: 0, other: 0, byCommand: {} };
  const server = createServer((request, response) => {
    const operation = String(request.headers['x-amz-target'] ?? 'unknown').replace(/^DynamoDB_\d+\./, '');
    counts.byCommand[operation] = (counts.byCommand[operation] ?? 0) + 1;
    if (READS.test(operation)) counts.reads += 1;
    else if (WRITES.test(operation)) counts.writes += 1;
    else counts.other += 1;
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.once('error', (error) => {
      response.destroy(error);
    });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    snapshot: () => ({ ...counts, byCommand: { ...counts.byCommand } }),
    reset: () => {
      counts = { reads: 0, writes: 0, other: 0, byCommand: {} };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
