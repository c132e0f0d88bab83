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
 * CLI alone: for tests and the benchmark).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildClientPackage } from '../client/build';
import { BrandError, readBrandFile, resolveBrand, type BrandInput } from './cli-brand';
import { buildCliPackage, packTarball, PROJECT_ROOT, projectVersion } from './cli-package';

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
    },
  });
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
