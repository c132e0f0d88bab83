import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ApiClient from '../../../cli/api-client';
import { LOCAL_BRAND, type Brand } from '../../../cli/brand';

const globals = globalThis as { __APIKEY_BRAND__?: Brand; __APIKEY_VERSION__?: string };

/** cli/api-client.ts loaded afresh, as a build defines it (esbuild's `define` of __APIKEY_BRAND__ and __APIKEY_VERSION__). */
function builtAs(brand: Brand, version: string): typeof ApiClient {
  globals.__APIKEY_BRAND__ = brand;
  globals.__APIKEY_VERSION__ = version;
  try {
    let loaded: typeof ApiClient | undefined;
    jest.isolateModules(() => {
      loaded = jest.requireActual<typeof ApiClient>('../../../cli/api-client');
    });
    return loaded!;
  } finally {
    delete globals.__APIKEY_BRAND__;
    delete globals.__APIKEY_VERSION__;
  }
}

describe('the CLI’s User-Agent', () => {
  it('is the command’s name and version, then Node.js’s: `<command>/<version> (node vX)`', () => {
    const { CLI_USER_AGENT } = ApiClient;
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(CLI_USER_AGENT).toBe(`apikey/${version} (node ${process.version})`);
  });

  it('carries the brand’s command name and the package’s version in a branded build', () => {
    const { CLI_USER_AGENT } = builtAs({ ...LOCAL_BRAND, command: 'acme-keys', endpoint: 'https://api.acme.com' }, '2.3.4');
    expect(CLI_USER_AGENT).toBe(`acme-keys/2.3.4 (node ${process.version})`);
  });

  it('is sent by every call of the branded CLI', async () => {
    const { KeysApi } = builtAs({ ...LOCAL_BRAND, command: 'acme-keys' }, '2.3.4');
    const agents: string[] = [];
    const fetchSpy = ((_url: string, init: RequestInit) => {
      agents.push((init.headers as Record<string, string>)['user-agent'] ?? '');
      return Promise.resolve(new Response(JSON.stringify({ keys: [] }), { status: 200 }));
    }) as typeof fetch;
    await new KeysApi('https://api.acme.com', 'the-token', { fetch: fetchSpy }).list();
    expect(agents).toEqual([`acme-keys/2.3.4 (node ${process.version})`]);
  });

  it('is a header value the server records as sent: RFC 9110 product/version, printable ASCII', () => {
    const { CLI_USER_AGENT } = ApiClient;
    expect(CLI_USER_AGENT).toMatch(/^[a-z0-9-]+\/[0-9A-Za-z.+-]+ \(node v[0-9.]+\)$/);
  });
});
