import { ApiError } from './errors';

/** Where plain http is allowed, as the messages say it. */
const THIS_MACHINE = 'localhost, 127.0.0.0/8 or [::1]';

/**
 * Whether a URL's host is this machine: `localhost`, 127.0.0.0/8, and [::1]. Not `*.localhost`: RFC 6761
 * keeps those on the loopback, but Node.js asks the resolver for them, which may answer anything. Only there may plain http carry a token or key: anywhere else it
 * would cross a network in cleartext. The URL parser has already lowercased the host and written an
 * IPv4 address in dotted decimal (`http://0x7f.1` is `127.0.0.1`), so the comparison is on that form.
 */
export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

/**
 * A URL the client may send credentials to: https, or plain http to this machine (isLoopback); no user name
 * or password in it. Anything else is an ApiError (INSECURE_ENDPOINT), thrown before any request, whose
 * message names the scheme and host (with the port) only, never a path, query or user:password that could
 * hold a secret. `what` names the URL in that message ("endpoint"), `carries` what plain http would expose.
 */
export function checkedUrl(value: string | URL, what: string, carries = 'credentials'): URL {
  let url: URL;
  try {
    url = typeof value === 'string' ? new URL(value) : value;
  } catch {
    throw new ApiError(`The ${what} is not a URL: give it as https://host`, { code: 'INSECURE_ENDPOINT' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ApiError(`The ${what} must be an http(s) URL (https, or plain http to this machine), not ${url.protocol}`, {
      code: 'INSECURE_ENDPOINT',
    });
  }
  // Before the user:password check, so `http://localhost@evil.example` is told by the host it really goes to.
  if (url.protocol === 'http:' && !isLoopback(url)) {
    throw new ApiError(
      `The ${what} must use https: ${url.protocol}//${url.host} is plain http, which would carry ${carries} in cleartext (plain http only to this machine: ${THIS_MACHINE})`,
      { code: 'INSECURE_ENDPOINT' },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ApiError(
      `The ${what} must not hold a user name or password ("user:password@" before ${url.host}): remove them from the URL`,
      { code: 'INSECURE_ENDPOINT' },
    );
  }
  return url;
}

/** checkedUrl's check, then the URL as given without trailing slashes: the base that paths are appended to. */
export function checkedBaseUrl(value: string, what: string, carries?: string): string {
  checkedUrl(value, what, carries);
  return value.replace(/\/+$/, '');
}
