import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The README's deploy walk-through, run word for word by the real CDK CLI as far as this machine
 * can take it. Every AWS call goes to a stand-in on 127.0.0.1 that answers STS GetCallerIdentity
 * (so the CLI knows its account) and refuses everything else (AccessDenied), and records each call's action: a run
 * shows whether the CLI got past synthesis to CloudFormation, and a refused run that it did not.
 */
const ROOT = join(__dirname, '..', '..');
const ACCOUNT = '123456789012';

function walkthroughLines(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- deploy-walkthrough:start -->\n```bash\n([\s\S]*?)```\n<!-- deploy-walkthrough:end -->/.exec(readme);
  if (block === null) throw new Error('README: no deploy walk-through block');
  return block[1]!.trimEnd().split('\n');
}

const commandOf = (line: string) => line.replace(/\s+#.*$/, '');
const lineStarting = (lines: string[], start: string) => {
  const found = lines.find((line) => line.startsWith(start));
  if (found === undefined) throw new Error(`README walk-through: no line starting "${start}"`);
  return commandOf(found);
};

interface Run {
  readonly code: number | null;
  readonly output: string;
  /** The AWS actions the CLI called, in order (`GetCallerIdentity`, `DescribeStacks`, ...). */
  readonly actions: string[];
}

const CALLER_IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/operator</Arn><UserId>AIDAEXAMPLE</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

const DENIED = "refused by the test's stand-in for AWS";
const ACCESS_DENIED_XML = `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${DENIED}</Message></Error><RequestId>1</RequestId></ErrorResponse>`;

let fakeAws: Server;
const actions: string[] = [];
let home: string;

/** The action of a query-protocol call (`Action=...` in the body) or a JSON-protocol one (`X-Amz-Target`). */
function actionOf(request: IncomingMessage, body: string): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop()!;
  return new URLSearchParams(body).get('Action') ?? `${request.method ?? '?'} ${request.url ?? ''}`;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'uak-deploy-home-'));
  // The CLI's user settings (~/.cdk.json) send its cloud assembly here rather than to the project's cdk.out, which
  // `npm run synth` may be using at the same time ("Other CLIs are reading from cdk.out"); the commands stay as printed.
  writeFileSync(join(home, '.cdk.json'), JSON.stringify({ output: join(home, 'cdk.out') }));
  fakeAws = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const action = actionOf(request, body);
      actions.push(action);
      if (action === 'GetCallerIdentity') response.writeHead(200, { 'content-type': 'text/xml' }).end(CALLER_IDENTITY);
      // Refused in each protocol's own shape, as not retryable (a 500 is retried with backoff for a minute and more).
      else if (request.headers['x-amz-target'] !== undefined)
        response
          .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify({ __type: 'AccessDeniedException', message: DENIED }));
      else response.writeHead(403, { 'content-type': 'text/xml' }).end(ACCESS_DENIED_XML);
    });
  });
  await new Promise<void>((resolve) => fakeAws.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => fakeAws.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

/** Runs the README's lines in bash, in the project, with AWS pointed at the stand-in and no AWS profile. */
async function runLines(lines: string[]): Promise<Run> {
  const before = actions.length;
  const { port } = fakeAws.address() as AddressInfo;
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: '1',
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  };
  const child = spawn('bash', ['-e', '-c', lines.join('\n')], { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output, actions: actions.slice(before) };
}

describe("the README's deploy walk-through", () => {
  const lines = walkthroughLines();
  const exports = lines.filter((line) => line.startsWith('export ')).map(commandOf);

  it('sets the region and both required settings before the first cdk command', () => {
    const firstCdk = lines.findIndex((line) => line.startsWith('npx cdk'));
    const exported = lines.slice(0, firstCdk).join('\n');
    for (const name of ['AWS_REGION', 'AUTH0_DOMAIN', 'AUTH0_AUDIENCE']) expect(exported).toMatch(new RegExp(`^export ${name}=`, 'm'));
  });

  it('bootstraps: the app synthesizes with those settings and the CLI goes on to AWS', async () => {
    const run = await runLines([...exports, lineStarting(lines, 'npx cdk bootstrap')]);
    expect(run.output).not.toContain('Configuration error');
    expect(run.output).toContain(`Bootstrapping environment aws://${ACCOUNT}/eu-west-1`);
    // Past synthesis: the CLI asked CloudFormation for the bootstrap stack (which the stand-in refused).
    expect(run.actions).toContain('DescribeStacks');
  }, 120_000);

  it('deploys: the app synthesizes with real bundles, then the CLI goes on to the account', async () => {
    const run = await runLines([...exports, lineStarting(lines, 'npx cdk deploy')]);
    expect(run.output).not.toContain('Configuration error');
    expect(run.output).toContain('Synthesis time');
    expect(run.actions.filter((action) => action !== 'GetCallerIdentity').length).toBeGreaterThan(0);
  }, 180_000);

  it('stops a deploy that lacks a required setting at synthesis, naming it: nothing beyond "who am I" reaches AWS', async () => {
    const run = await runLines([
      ...exports.filter((line) => !line.startsWith('export AUTH0_DOMAIN=')),
      lineStarting(lines, 'npx cdk deploy'),
    ]);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(
      'Configuration error: Set auth0Domain: cdk deploy -c auth0Domain=... (or the environment variable AUTH0_DOMAIN)',
    );
    // The CLI asks STS for the account before it synthesizes (its default environment); nothing else.
    expect(run.actions.every((action) => action === 'GetCallerIdentity')).toBe(true);
  }, 120_000);
});
