import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { readConsoleAssets } from '../../lambdas/console/console-assets';
import { CONSOLE_ASSETS_FOLDER } from '../../lambdas/runtime/console-wiring';
import { buildApp } from '../../lib/app';

/**
 * The app, synthesized as `cdk synth` does it: real esbuild bundles, no Docker, cdk-nag on. The Auth0 event settings
 * are on, since they add the only functions the default app leaves out: every entry point is bundled.
 */
describe('synthesizing the app with real bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'uak-cdk-out-'));
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles every function locally into a minified ESM file, with no source map unless asked', () => {
    const { app, stack } = buildApp(
      new App({
        outdir,
        context: {
          auth0Domain: 'example.eu.auth0.com',
          auth0Audience: 'https://api.example.com',
          auth0EventSourceNames: 'aws.partner/auth0.com/tenant-1234/auth0.logs',
          auth0EventsWebhook: 'true',
        },
      }),
    );
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Properties: { Description?: string; Code?: { S3Key?: string } } }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    let consoleBundles = 0;
    // The default's twenty, the owner-events function and the webhook's.
    expect(functions).toHaveLength(22);
    for (const fn of functions) {
      const assetHash = fn.Properties.Code!.S3Key!.replace(/\.zip$/, '');
      const bundle = join(outdir, `asset.${assetHash}`, 'index.mjs');
      expect(existsSync(bundle)).toBe(true);
      // The sourceMaps setting is off by default (lib/bundling.ts): no map, and no comment pointing at one.
      expect(existsSync(`${bundle}.map`)).toBe(false);
      expect(readFileSync(bundle, 'utf8')).not.toContain('sourceMappingURL');
      if (fn.Properties.Description === 'API key authorizer') {
        const code = readFileSync(bundle, 'utf8');
        // The authorizer carries neither JWT verification nor request validation.
        expect(code).not.toContain('JwksCache');
        expect(code).not.toContain('strictObject');
        // Nor the SDK's default credential chain (its SSO link, its STS client): lib/bundling.ts's replacements.
        expect(code).not.toContain('defaultProvider::fromSSO');
        expect(code).not.toContain('AssumeRoleWithWebIdentity');
        // Minified: whitespace gone (unminified, this bundle has some 30,000 lines, most of them indented).
        expect(code).toContain('isAuthorized');
        expect(code.split('\n').length).toBeLessThan(200);
        expect(code.match(/\n {2,}\S/g)?.length ?? 0).toBeLessThan(50);
        // ...yet class names kept (keepNames), so a logged error says what it is: not "oa".
        expect(code).toContain('"DependencyUnavailableError"');
        expect(statSync(bundle).size).toBeGreaterThan(1000);
      }
      if (fn.Properties.Description?.startsWith('GET /console') === true) {
        // Its build hook left the console's files beside the bundle, and the function reads them as it will in Lambda.
        const assets = readConsoleAssets(join(outdir, `asset.${assetHash}`, CONSOLE_ASSETS_FOLDER));
        expect(assets.indexHtml).toMatch(/<script type="module" src="\/console\/assets\/app-\w+\.js"/);
        expect(assets.files.get('user-api-keys.js')?.body.toString('utf8')).toContain('user-api-keys');
        expect(assets.workerPath).toMatch(/^\/console\/assets\/auth0-worker-\w+\.js$/);
        consoleBundles += 1;
      }
    }
    expect(consoleBundles).toBe(1);
  });
});
