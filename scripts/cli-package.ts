/**
 * The `apikey` CLI as a package of its own: cli/main.ts and everything it imports
 * (commander, picocolors) bundled by esbuild into one CommonJS file with a node
 * shebang, its brand and version compiled in, beside a package.json with no
 * dependencies, a README for its users, the licence and the bundled packages'
 * licences; then `npm pack`ed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import type { Brand } from '../cli/brand';
import { BrandError } from './cli-brand';

export const PROJECT_ROOT = join(__dirname, '..');

/** The project's version: the package and the client are versioned with it. */
export function projectVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export interface CliPackageOptions {
  readonly brand: Brand;
  /** The package's folder, emptied first. */
  readonly packageDir: string;
  readonly version: string;
  /** npm's name for the package; the command's name by default. */
  readonly packageName?: string | undefined;
}

export interface CliPackage {
  readonly packageDir: string;
  /** The bundled entry, `bin/<command>.js`. */
  readonly binFile: string;
  readonly bundleBytes: number;
  /** The npm packages bundled in. */
  readonly bundledPackages: string[];
}

/** npm's package-name rule, scope allowed. */
const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export async function buildCliPackage({ brand, packageDir, version, packageName = brand.command }: CliPackageOptions): Promise<CliPackage> {
  if (!PACKAGE_NAME.test(packageName) || packageName.length > 214)
    throw new BrandError(`Not a valid npm package name (lowercase, npm's rules): "${packageName}" (from --package-name)`);
  rmSync(packageDir, { recursive: true, force: true });
  const binFile = join(packageDir, 'bin', `${brand.command}.js`);
  mkdirSync(dirname(binFile), { recursive: true });
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'cli', 'main.ts')],
    outfile: binFile,
    bundle: true,
    platform: 'node',
    target: 'node20.19',
    format: 'cjs',
    minify: true,
    legalComments: 'none', // the bundled packages' licences are in THIRD-PARTY-LICENSES
    banner: { js: '#!/usr/bin/env node' },
    define: { __APIKEY_BRAND__: JSON.stringify(brand), __APIKEY_VERSION__: JSON.stringify(version) },
    metafile: true,
    logLevel: 'silent',
  });
  chmodSync(binFile, 0o755);
  const bundledPackages = packagesIn(Object.keys(result.metafile.inputs));
  writeFileSync(join(packageDir, 'package.json'), `${JSON.stringify(packageJson(brand, packageName, version), null, 2)}\n`);
  writeFileSync(join(packageDir, 'README.md'), userReadme(brand, packageName));
  writeFileSync(join(packageDir, 'LICENSE'), apacheLicence());
  writeFileSync(join(packageDir, 'THIRD-PARTY-LICENSES'), thirdPartyLicences(bundledPackages));
  return { packageDir, binFile, bundleBytes: readFileSync(binFile).length, bundledPackages };
}

/** `npm pack` of a package folder into `destination`; the tarball's path. */
export function packTarball(packageDir: string, destination: string): string {
  mkdirSync(destination, { recursive: true });
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: packageDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const [packed] = JSON.parse(output) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack in ${packageDir} reported no tarball`);
  return join(destination, packed.filename);
}

function packageJson(brand: Brand, name: string, version: string) {
  return {
    name,
    version,
    description: `${brand.command}: create, list, rotate and revoke your API keys for ${brand.endpoint} from a terminal`,
    license: 'Apache-2.0',
    bin: { [brand.command]: `bin/${brand.command}.js` },
    files: ['bin/', 'README.md', 'LICENSE', 'THIRD-PARTY-LICENSES'],
    engines: { node: '>=20.19' },
  };
}

/** `node_modules/<name>/...` inputs of the bundle, as package names. */
function packagesIn(inputs: readonly string[]): string[] {
  const names = new Set<string>();
  for (const input of inputs) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return [...names].sort();
}

function thirdPartyLicences(packages: readonly string[]): string {
  const sections = packages.map((name) => {
    const dir = join(PROJECT_ROOT, 'node_modules', name);
    const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license?: string };
    const file = ['LICENSE', 'LICENSE.md', 'license', 'LICENSE.txt'].map((f) => join(dir, f)).find((f) => readable(f));
    if (file === undefined) throw new Error(`${name} is bundled but has no licence file in ${relative(PROJECT_ROOT, dir)}`);
    return `${name} ${version} (${license ?? 'see below'})\n\n${readFileSync(file, 'utf8').trim()}\n`;
  });
  return `This package bundles the following packages, under their own licences.\n\n${sections.join('\n---\n\n')}`;
}

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The Apache License 2.0's text, as TypeScript ships it (the project is under the same licence). */
function apacheLicence(): string {
  const text = readFileSync(require.resolve('typescript/LICENSE.txt'), 'utf8');
  if (!text.startsWith('Apache License') || !text.includes('Version 2.0'))
    throw new Error('typescript/LICENSE.txt is no longer the Apache License 2.0');
  return text;
}

/** What the package's users read: install, log in, manage keys; where the login is kept. */
function userReadme(brand: Brand, packageName: string): string {
  const c = brand.command;
  return `# ${c}

Create, list, rotate and revoke your API keys for ${brand.endpoint} from a terminal.
Needs Node.js 20.19 or later, nothing else.

\`\`\`bash
npm install -g ./${packageName.replace(/^@/, '').replace('/', '-')}-*.tgz
${c} login                  # approve the code shown, in your browser
KEY=$(${c} create --name ci --scope read --expires 30d)   # the key, shown once
${c} list
${c} rotate <id> --grace 1h  # a new key; the old one works for another hour
${c} revoke <id>
${c} logout
\`\`\`

\`${c} --help\` and \`${c} <command> --help\` list every command and option, with examples.
Every command takes \`--json\`.

## Your login

\`${c} login\` uses the OAuth device flow with ${brand.authDomain}. The access token is kept
in the OS keychain when there is one (macOS: the login keychain, through \`security\`; Linux:
the Secret Service, through \`secret-tool\` from libsecret), the rest of the login in
\`$XDG_CONFIG_HOME/${c}/credentials.json\` (default \`~/.config/${c}\`), readable by you only
(0600). Without a keychain (Windows, no \`secret-tool\`, no session bus, or one that fails)
the token is in that file too. \`${c} whoami\` says where it is; \`${c} logout\` removes it
from both.

## Settings

It works with no configuration. To point it elsewhere: flags, then environment variables,
then \`config.json\` in the same folder (keys \`endpoint\`, \`authDomain\`, \`clientId\`, \`audience\`).

| flag | variable | |
|---|---|---|
| \`--endpoint\` | \`APIKEY_ENDPOINT\` | the API (default ${brand.endpoint}) |
| \`--auth-domain\` | \`APIKEY_AUTH_DOMAIN\` | the identity provider (default ${brand.authDomain}) |
| \`--client-id\` | \`APIKEY_CLIENT_ID\` | its client id for this command (default ${brand.clientId}) |
| \`--audience\` | \`APIKEY_AUDIENCE\` | the API's audience (default ${brand.audience}) |
| | \`APIKEY_CONFIG_DIR\` | the folder for the login and config.json |
| | \`APIKEY_KEYCHAIN\` | \`off\`: keep the token in the file, never the keychain |
| | \`APIKEY_TOKEN\` | an access token to use instead of a login (automation) |
| | \`NO_COLOR\` | no colours |

Exit codes: 0 ok, 1 usage error, 2 not logged in or refused, 3 not found, 4 server or
network error, 5 conflict.
`;
}
