import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_BRAND } from '../../../cli/brand';
import { readBrandFile, resolveBrand } from '../../../scripts/cli-brand';
import { freshConfigDir } from './cli-support';

/** `npm run build:cli`'s brand: flags over a JSON file over the local defaults, checked as the CLI checks its settings. */
const ACME = { endpoint: 'https://api.acme.com', authDomain: 'acme.eu.auth0.com', clientId: 'AbC123', audience: 'https://api.acme.com' };

describe('the build-time brand', () => {
  const brandFile = (content: unknown) => {
    const path = join(freshConfigDir(), 'brand.json');
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it('is the local system by default', () => {
    expect(resolveBrand({})).toEqual(LOCAL_BRAND);
  });

  it('takes flags over the file, and normalizes the endpoint and the domain as the CLI does', () => {
    const file = readBrandFile(
      brandFile({ command: 'acme-keys', endpoint: 'https://API.acme.com/v1/', authDomain: 'acme.eu.auth0.com', clientId: 'file' }),
    );
    expect(resolveBrand({ clientId: 'AbC123', audience: 'https://api.acme.com' }, file)).toEqual({
      command: 'acme-keys',
      endpoint: 'https://api.acme.com/v1',
      authDomain: 'https://acme.eu.auth0.com',
      clientId: 'AbC123',
      audience: 'https://api.acme.com',
    });
  });

  it.each([
    [{ command: 'Acme' }, /command name must be lowercase/],
    [{ command: 'rm -rf' }, /command name must be lowercase/],
    [{ command: '../x' }, /command name must be lowercase/],
    [{ command: 'a-' }, /command name must be lowercase/],
    [{ endpoint: 'http://api.acme.com' }, /endpoint must use https.*\(from --endpoint\)/],
    [{ endpoint: 'ftp://api.acme.com' }, /http\(s\) URL/],
    [{ authDomain: 'http://acme.eu.auth0.com' }, /identity provider must use https.*\(from --auth-domain\)/],
    [{ authDomain: 'not a domain' }, /Not a valid identity provider/],
    [{ clientId: 'has space' }, /client id must be printable ASCII/],
    [{ audience: '' }, /audience must be printable text/],
  ])('refuses %j, saying why', (flags, message) => {
    expect(() => resolveBrand(flags)).toThrow(message);
  });

  it('accepts plain http only to this machine', () => {
    expect(resolveBrand({ ...ACME, endpoint: 'http://localhost:8080' }).endpoint).toBe('http://localhost:8080');
  });

  it('sets where the CLI points all at once: a partial brand would ship the local defaults', () => {
    expect(() => resolveBrand({ endpoint: 'https://api.acme.com' })).toThrow(/missing --auth-domain, --client-id, --audience/);
    const file = readBrandFile(brandFile({ endpoint: 'https://api.acme.com', authDomain: 'acme.eu.auth0.com' }));
    expect(() => resolveBrand({ clientId: 'AbC123' }, file)).toThrow(/missing --audience/);
    expect(resolveBrand({ command: 'acme-keys' })).toEqual({ ...LOCAL_BRAND, command: 'acme-keys' });
  });

  it.each(['npm', 'node', 'npx', 'git'])('refuses the command name %s, which would replace a tool', (command) => {
    expect(() => resolveBrand({ ...ACME, command })).toThrow(/would replace a tool/);
  });

  it('names the file field a bad value came from, and refuses unknown fields and non-strings', () => {
    const path = brandFile({ endpoint: 'http://evil.example' });
    expect(() => resolveBrand({}, readBrandFile(path), path)).toThrow(`(from "endpoint" in ${path})`);
    expect(() => readBrandFile(brandFile({ comand: 'x' }))).toThrow(/unknown field "comand"/);
    expect(() => readBrandFile(brandFile({ command: 1 }))).toThrow(/"command" must be a string/);
    expect(() => readBrandFile(brandFile([1]))).toThrow(/not a JSON object/);
  });
});
