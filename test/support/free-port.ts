import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768-60999 by default): the kernel gives those to outgoing connections, and a
 * test's browser or HTTP client may take one as the local port of a socket to 127.0.0.1 between the moment a port
 * is chosen here and the moment a child process listens on it (seen: npm start failing with EADDRINUSE).
 */
const LOWEST = 20_000;
const HIGHEST = 32_767;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** A TCP port free on every interface right now (DynamoDB Local binds them all), outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = randomInt(LOWEST, HIGHEST + 1);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port found from ${LOWEST} to ${HIGHEST}`);
}
