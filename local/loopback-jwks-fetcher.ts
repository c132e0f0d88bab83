import { FetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';

/**
 * aws-jwt-verify fetches JWKS over https only. The development identity
 * provider serves plain http on 127.0.0.1, so the local gateway injects this
 * fetcher, which allows exactly that and nothing else; production code keeps
 * the library's https-only default. Failures are FetchErrors, as the
 * library's own fetcher raises, so they map to 503 the same way.
 */
export class LoopbackJwksFetcher implements Fetcher {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') {
      throw new FetchError(uri, 'LoopbackJwksFetcher only fetches http://127.0.0.1 URLs');
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    } catch (error) {
      throw new FetchError(uri, error instanceof Error ? error.message : 'request failed');
    }
    if (response.status !== 200) {
      throw new FetchError(uri, `Status code is ${response.status}, expected 200`);
    }
    return response.arrayBuffer();
  }
}
