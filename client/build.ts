import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build, type Format, type Metafile } from 'esbuild';

export interface ClientPackageOptions {
  /** Where the package's directory is made (replacing one left there). */
  readonly outDir: string;
  /** The npm scope, without `@`: the package is `@<scope>/user-api-keys-client`. */
  readonly scope?: string | undefined;
  /** The project's version (the root package.json's). */
  readonly version: string;
}

export const DEFAULT_SCOPE = 'user-api-keys';
export const CLIENT_PACKAGE_DIR = 'user-api-keys-client';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'client', 'index.ts');
const SCOPE = /^[a-z0-9][a-z0-9-._~]*$/;

interface RootPackage {
  readonly license: string;
  readonly engines: { readonly node: string };
}

/** Bundles the entry in one format: only this repository's sources go in, and only Node.js's own modules stay imports. */
async function bundle(format: Format, outfile: string): Promise<void> {
  const result = await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  checkInputs(result.metafile, format);
}

/** What the bundle took in: none of it from node_modules, nothing imported at run time but Node.js's modules. */
function checkInputs(metafile: Metafile, format: Format): void {
  const foreign = Object.keys(metafile.inputs).filter((input) => input.includes('node_modules'));
  if (foreign.length > 0) throw new Error(`The client's ${format} bundle would carry packages: ${foreign.join(', ')}`);
  for (const output of Object.values(metafile.outputs)) {
    const imported = output.imports.filter((entry) => entry.external && !isBuiltin(entry.path)).map((entry) => entry.path);
    if (imported.length > 0) throw new Error(`The client's ${format} bundle imports ${imported.join(', ')}`);
  }
}

/** One index.d.ts with the API's types inlined: it may reference Node.js's globals, never import a module. */
function bundleTypes(outfile: string): void {
  const [types] = generateDtsBundle([{ filePath: ENTRY, output: { noBanner: true, exportReferencedTypes: false } }], {
    preferredConfigPath: join(ROOT, 'tsconfig.json'),
  });
  if (types === undefined) throw new Error('dts-bundle-generator wrote nothing');
  const imports = types
    .split('\n')
    .filter((line) => /^\s*(import|export)\b.*\bfrom\s+['"]|\bimport\(|\brequire\(|^\/\/\/ <reference path/.test(line));
  if (imports.length > 0) throw new Error(`The client's index.d.ts imports modules:\n${imports.join('\n')}`);
  writeFileSync(outfile, types);
}

function packageJson(scope: string, version: string, root: RootPackage): unknown {
  return {
    name: `@${scope}/user-api-keys-client`,
    version,
    description:
      'Typed client for user-scoped API keys: device login, create, list, rotate, revoke and exchange keys, and keep one on disk.',
    license: root.license,
    engines: root.engines,
    main: './index.cjs',
    module: './index.mjs',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', import: './index.mjs', require: './index.cjs' },
      './package.json': './package.json',
    },
    files: ['index.mjs', 'index.cjs', 'index.d.ts', 'README.md', 'LICENSE'],
    sideEffects: false,
  };
}

/**
 * Builds the client library's package, `@<scope>/user-api-keys-client`: index.mjs and index.cjs (each
 * one self-contained file: Node.js only at run time), one index.d.ts, its package.json (no
 * dependencies), README.md and LICENSE. Returns the package's directory, ready for `npm pack`.
 */
export async function buildClientPackage(options: ClientPackageOptions): Promise<string> {
  const scope = options.scope ?? DEFAULT_SCOPE;
  if (!SCOPE.test(scope)) throw new Error(`The npm scope must be lowercase letters, digits, - . _ ~ (without @): ${scope}`);
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as RootPackage;
  const dir = resolve(options.outDir, CLIENT_PACKAGE_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await bundle('esm', join(dir, 'index.mjs'));
  await bundle('cjs', join(dir, 'index.cjs'));
  bundleTypes(join(dir, 'index.d.ts'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(packageJson(scope, options.version, root), null, 2)}\n`);
  copyFileSync(join(ROOT, 'client', 'README.md'), join(dir, 'README.md'));
  copyFileSync(join(ROOT, 'client', 'LICENSE'), join(dir, 'LICENSE'));
  return dir;
}
