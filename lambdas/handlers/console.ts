import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ConsoleAsset, ConsoleAssets } from '../console/console-assets';
import { consoleConfigDocument, type ConsoleSettings } from '../console/console-config';
import { consoleSecurityHeaders } from '../console/security-headers';
import { ConsoleFileNotFoundError } from '../domain/errors';
import { errorResponse, type HttpResponse } from '../http/responses';

export interface ConsoleDependencies {
  /** The built files: read once at start-up (deployed), or built on first use (`npm start`). */
  readonly assets: () => Promise<ConsoleAssets>;
  readonly settings: ConsoleSettings;
}

export const CONSOLE_PATH = '/console';
const CONFIG_FILE = 'config.json';

/** Hashed names change with their content: cached for a year. The page, its settings and the component's stable name: revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/** `/console/user-api-keys.js` keeps its name for host apps to import: a deploy reaches them within 5 minutes. */
const COMPONENT_MAX_AGE = 'public, max-age=300';

/**
 * `GET /console` and `GET /console/{proxy+}`: the key owners' console, its
 * files, its settings (`config.json`) and the drop-in component, all with
 * the console's security headers. Anything else under `/console/` is a 404
 * `CONSOLE_FILE_NOT_FOUND`.
 */
export function createConsoleHandler(deps: ConsoleDependencies): (event: APIGatewayProxyEventV2) => Promise<HttpResponse> {
  const security = consoleSecurityHeaders(deps.settings.login?.domain);
  let configBody: string | undefined;
  const withSecurity = (response: HttpResponse): HttpResponse => ({ ...response, headers: { ...response.headers, ...security } });
  const file = (body: string | Buffer, contentType: string, cacheControl: string): HttpResponse => {
    const binary = typeof body !== 'string';
    return withSecurity({
      statusCode: 200,
      headers: { 'content-type': contentType, 'cache-control': cacheControl },
      body: binary ? body.toString('base64') : body,
      isBase64Encoded: binary,
    });
  };
  // Each file's answer is made once (its text decoded, or its bytes base64-encoded), not on every request.
  const answers = new WeakMap<ConsoleAsset, HttpResponse>();
  const asset = (found: ConsoleAsset): HttpResponse => {
    let answer = answers.get(found);
    if (answer === undefined) {
      const body = isText(found.contentType) ? found.body.toString('utf8') : found.body;
      answer = file(body, found.contentType, found.immutable ? IMMUTABLE : COMPONENT_MAX_AGE);
      answers.set(found, answer);
    }
    return answer;
  };

  return async (event) => {
    const assets = await deps.assets();
    const path = event.rawPath;
    if (path === CONSOLE_PATH) return file(assets.indexHtml, 'text/html; charset=utf-8', REVALIDATE);
    const name = path.startsWith(`${CONSOLE_PATH}/`) ? path.slice(CONSOLE_PATH.length + 1) : undefined;
    if (name === CONFIG_FILE) {
      configBody ??= JSON.stringify(consoleConfigDocument(deps.settings, assets.workerPath));
      return file(configBody, 'application/json; charset=utf-8', REVALIDATE);
    }
    const found = name === undefined ? undefined : assets.files.get(name);
    if (found === undefined) return withSecurity(errorResponse(new ConsoleFileNotFoundError()));
    return asset(found);
  };
}

const isText = (contentType: string): boolean =>
  contentType.startsWith('text/') || contentType.includes('javascript') || contentType.includes('json') || contentType.includes('svg');
