/**
 * `npm run build:cli`: the `apikey` CLI as an installable package, branded for the operator's
 * users, and the typed client library beside it, each packed into a tarball in dist/.
 *
 *   npm run build:cli
 *   npm run build:cli -- --command acme-keys --endpoint https://api.acme.com \
 *     --auth-domain acme.eu.auth0.com --client-id AbC123 --audience https://api.acme.com
 *   npm run build:cli -- --brand brand.json --command acme-keys     (flags win over the file)
 *
 * Other flags: --package-name NAME (npm's name; the command's by default), --client-scope
 * SCOPE (the client library's npm scope), --out-dir DIR (default dist/), --no-client (the
 * CLI alone: for tests and the benchmark), --help. Branding sets --endpoint, --auth-domain,
 * --client-id and --audience all together, or none of them (the local system's).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildClientPackage } from '../client/build';
import { BrandError, readBrandFile, resolveBrand, type BrandInput } from './cli-brand';
import { buildCliPackage, packTarball, PROJECT_ROOT, projectVersion } from './cli-package';

const USAGE = [
  'npm run build:cli [-- flags]: the CLI package and the client library, packed into dist/',
  '',
  '  --command NAME        the command users type (default apikey)',
  '  --endpoint URL        the gateway URL (https; plain http only to this machine)',
  '  --auth-domain DOMAIN  your Auth0 domain, e.g. acme.eu.auth0.com',
  "  --client-id ID        the CLI's Native application in Auth0 (device code grant)",
  "  --audience URI        your API's audience in Auth0",
  '  --brand FILE          a JSON object with any of command, endpoint, authDomain, clientId, audience (flags win)',
  "  --package-name NAME   npm's name for the CLI package (default: the command)",
  "  --client-scope SCOPE  the client library's npm scope (default user-api-keys)",
  '  --out-dir DIR         where the tarballs go (default dist/)',
  '  --no-client           the CLI alone',
  '',
  'The four connection settings are given all together or not at all (then: npm start).',
  '',
  'Example: npm run build:cli -- --command acme-keys --endpoint https://api.acme.com \\',
  '           --auth-domain acme.eu.auth0.com --client-id AbC123 --audience https://api.acme.com',
].join('\n');

/** The client library's package (client/build.ts), packed beside the CLI's. */
async function buildClient(outDir: string, version: string, scope: string | undefined): Promise<string> {
  const packageDir = await buildClientPackage({ outDir: join(outDir, 'client-package'), version, scope });
  return packTarball(packageDir, outDir);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: {
      command: { type: 'string' },
      endpoint: { type: 'string' },
      'auth-domain': { type: 'string' },
      'client-id': { type: 'string' },
      audience: { type: 'string' },
      brand: { type: 'string' },
      'package-name': { type: 'string' },
      'client-scope': { type: 'string' },
      'out-dir': { type: 'string' },
      'no-client': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const flags: BrandInput = {
    ...(values.command !== undefined ? { command: values.command } : {}),
    ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
    ...(values['auth-domain'] !== undefined ? { authDomain: values['auth-domain'] } : {}),
    ...(values['client-id'] !== undefined ? { clientId: values['client-id'] } : {}),
    ...(values.audience !== undefined ? { audience: values.audience } : {}),
  };
  const brand = resolveBrand(flags, values.brand !== undefined ? readBrandFile(values.brand) : {}, values.brand);
  const outDir = resolve(values['out-dir'] ?? join(PROJECT_ROOT, 'dist'));
  const version = projectVersion();

  const cli = await buildCliPackage({ brand, version, packageDir: join(outDir, 'cli-package'), packageName: values['package-name'] });
  const cliTarball = packTarball(cli.packageDir, outDir);
  process.stdout.write(`${cliTarball}\n`);
  process.stderr.write(
    `${brand.command} ${version}: ${(cli.bundleBytes / 1000).toFixed(0)} KB, bundling ${cli.bundledPackages.join(', ')}; ` +
      `defaults ${brand.endpoint}, ${brand.authDomain}, client ${brand.clientId}, audience ${brand.audience}\n`,
  );
  if (values['no-client'] !== true) process.stdout.write(`${await buildClient(outDir, version, values['client-scope'])}\n`);
}

main().catch((error: unknown) => {
  const known =
    error instanceof BrandError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
  process.stderr.write(
    `npm run build:cli: ${known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
