/**
 * Figure 1, the headline: the authorizer as Lambda runs it. The bundle
 * (bundleAuthorizer, CDK's esbuild options) is imported by a child `node`
 * process with the deployed environment (lambdaLikeEnv: Powertools logging at
 * INFO, verdict metrics on, the identity assertion signed with a key set read
 * from the Secrets Manager stand-in, DynamoDB Local through a counting proxy,
 * source maps on), and its exported `handler` is called with API Gateway
 * payload 2.0 authorizer events. In the same child and the same interleaved
 * rounds: denials that log at INFO on each call, one bare SHA-256 of the key
 * and aws-jwt-verify on an Auth0 RS256 token, so every ratio is same-run and
 * per round. The child's stdout (the logger's JSON lines, which go to
 * Lambda's log pipe) is a file whose lines are counted afterwards.
 */
import { fork } from 'node:child_process';
import { closeSync, createReadStream, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { itemAt } from '../arrays';
import { hasSourceMap, lambdaLikeEnv } from '../cold-start';
import type { ChildMessage, DeployedChildInput, DeployedChildResult, ParentMessage } from '../deployed-child';
import { DEPLOYED_KEYS, type DeployedTable } from '../deployed-table';
import { startCountingProxy } from '../dynamo-proxy';
import { authorizerEvent, PROJECT_ROOT } from '../fixtures';
import type { Progress } from '../output';
import type { Plan } from '../plan';
import type { DeployedFigure1 } from '../results';
import { summarize, type Summary } from '../stats';
import type { StopRegistry } from '../stop-registry';
import { auth0Token, MODULUS_BITS } from './auth0-token';

export interface DeployedBundleInput {
  readonly bundleFile: string;
  /** A temporary folder (deleted with the run) for the child's stdout. */
  readonly outDir: string;
  readonly bundleBytes: number;
  readonly table: DeployedTable;
  readonly dynamodbEndpoint: string;
  readonly secretsManagerEndpoint: string;
  readonly plan: Plan['deployed'];
  readonly nowMs: number;
  readonly stops: StopRegistry;
  readonly progress: Progress;
}

/** How long the child may take, all of it: far more than it needs, so a hang ends the run rather than stalling it. */
const CHILD_TIMEOUT_MS = 10 * 60_000;

/** 16 keys × 1,024 routes: 16,384 kinds of denial each, past DenialLog's 10,000 (lambdas/observability/denial-log.ts). */
const ROUTES_PER_KEY = 1024;

/** The line the handler logs for each denial (lambdas/handlers/authorizer.ts), as Powertools serializes it. */
const DENIAL_LINE = Buffer.from('"message":"key denied"');

export async function measureDeployedBundle(input: DeployedBundleInput): Promise<DeployedFigure1> {
  const { table, progress } = input;
  progress('figure 1: making an Auth0-shaped RS256 access token for the same child');
  const jwt = await auth0Token(input.nowMs);
  const pool = (headers: readonly string[]): APIGatewayRequestAuthorizerEventV2[] =>
    Array.from({ length: 256 }, (_, i) => authorizerEvent(itemAt(headers, i % headers.length)));
  const bearer = (keys: readonly { key: string }[]) => keys.map((k) => `Bearer ${k.key}`);
  const cacheCheckKey = `Bearer ${itemAt(table.keys, DEPLOYED_KEYS.cacheCheck).key}`;
  const childInput: DeployedChildInput = {
    bundleFile: input.bundleFile,
    events: {
      allow: pool(bearer(table.keys.slice(0, DEPLOYED_KEYS.cached))),
      revoked: pool(bearer(table.revoked)),
      wrongSecret: pool(table.wrongSecretHeaders),
      mistyped: pool(table.mistypedHeaders),
      cacheCheck: [authorizerEvent(cacheCheckKey), authorizerEvent(cacheCheckKey)],
    },
    routesPerKey: ROUTES_PER_KEY,
    sha256Input: itemAt(table.keys, 0).key,
    jwt: { token: jwt.token, jwks: jwt.jwks },
    micro: input.plan,
  };

  const proxy = await startCountingProxy(input.dynamodbEndpoint);
  input.stops.add('DynamoDB counting proxy', () => proxy.stop());
  const env = lambdaLikeEnv(
    { dynamodbEndpoint: proxy.endpoint, secretsManagerEndpoint: input.secretsManagerEndpoint },
    { sourceMaps: hasSourceMap(input.bundleFile) },
  );
  progress(`figure 1: the deployed bundle in a child process (INFO logging, metrics, assertions; ${input.plan.rounds} rounds)`);
  // The child's stdout is a file: each of the logger's lines is one synchronous write(2), as into Lambda's log pipe, and
  // nothing here has to keep up with it while it is timed (a pipe read by this process would block the child when full).
  const logFile = join(input.outDir, 'deployed-stdout.jsonl');
  const stdout = openSync(logFile, 'w');
  let result: DeployedChildResult;
  try {
    result = await runChild(childInput, env, stdout, proxy, input.stops);
  } finally {
    closeSync(stdout);
  }
  const log = await countLines(logFile);
  rmSync(logFile, { force: true });

  const s = (name: string): number[] => result.samples[name] ?? [];
  const perCall = (name: string): Summary => summarize(s(name));
  const perRound = (a: string, b: string): Summary =>
    summarize(
      s(a)
        .map((value, i) => value / (s(b)[i] ?? Number.NaN))
        .filter(Number.isFinite),
    );
  const { readsOnFirstCall, readsOnRepeatCall } = result.cacheCheck;
  return {
    allowCachedNs: perCall('allowCached'),
    deniedRepeatedNs: perCall('deniedRepeated'),
    deniedLoggedNs: perCall('deniedLogged'),
    deniedWrongSecretLoggedNs: perCall('deniedWrongSecretLogged'),
    deniedMistypedNs: perCall('deniedMistyped'),
    sha256Ns: perCall('sha256'),
    jwtVerifyNs: perCall('jwt'),
    ratioToSha256: perRound('allowCached', 'sha256'),
    jwtToAllow: perRound('jwt', 'allowCached'),
    loggedToAllow: perRound('deniedLogged', 'allowCached'),
    wrongSecretLoggedToAllow: perRound('deniedWrongSecretLogged', 'allowCached'),
    repeatedToAllow: perRound('deniedRepeated', 'allowCached'),
    mistypedToAllow: perRound('deniedMistyped', 'allowCached'),
    verdictCache: {
      status: readsOnFirstCall === 1 && readsOnRepeatCall === 0 ? 'active' : 'absent',
      readsOnFirstCall,
      readsOnRepeatCall,
      ttlSeconds: Number(env.VERDICT_CACHE_TTL_SECONDS),
    },
    dynamoDbDuringSamples: result.dynamoDbDuringSamples,
    logging: {
      level: env.POWERTOOLS_LOG_LEVEL ?? '',
      denialCalls: result.denialCalls,
      loggedDenialCalls: result.loggedDenialCalls,
      denialLines: log.denialLines,
      lines: log.lines,
      bytes: log.bytes,
      bytesPerLine: log.lines === 0 ? 0 : log.bytes / log.lines,
    },
    assertionBytes: result.assertionBytes,
    importMs: result.importMs,
    node: result.node,
    bundleBytes: input.bundleBytes,
    token: { bytes: jwt.token.length, modulusBits: MODULUS_BITS },
    environment: Object.keys(env)
      .filter((name) => !['PATH', 'HOME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].includes(name))
      .sort(),
    batchSizes: result.batches,
  };
}

interface LogCount {
  lines: number;
  denialLines: number;
  bytes: number;
}

/** Every line of the child's stdout, and the "key denied" ones. */
async function countLines(file: string): Promise<LogCount> {
  const log: LogCount = { lines: 0, denialLines: 0, bytes: 0 };
  // The needle may straddle two chunks: keep the tail of the last one.
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    log.bytes += bytes.length;
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) log.lines += 1;
    const text = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
    for (let at = text.indexOf(DENIAL_LINE); at !== -1; at = text.indexOf(DENIAL_LINE, at + DENIAL_LINE.length)) log.denialLines += 1;
    carry = Buffer.from(text.subarray(Math.max(0, text.length - (DENIAL_LINE.length - 1))));
  }
  return log;
}

/** Forks the child (its stdout the given file), answers its questions about the proxy's counts, and returns its result. */
function runChild(
  input: DeployedChildInput,
  env: NodeJS.ProcessEnv,
  stdout: number,
  proxy: { snapshot: () => DeployedChildResult['dynamoDbDuringSamples'] },
  stops: StopRegistry,
): Promise<DeployedChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(PROJECT_ROOT, 'bench', 'deployed-child.ts'), [], {
      cwd: PROJECT_ROOT,
      env,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', stdout, 'pipe', 'ipc'],
    });
    stops.addChild('deployed-bundle child', child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the deployed-bundle child did not finish within ${CHILD_TIMEOUT_MS / 1000} s: ${stderr}`));
    }, CHILD_TIMEOUT_MS);
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      // The bundle waits for SIGTERM to flush its metrics (flushOnShutdown): SIGKILL, as Lambda ends a process.
      child.kill('SIGKILL');
      outcome();
    };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'counts?') {
        child.send({ type: 'counts', counts: proxy.snapshot() } satisfies ParentMessage);
      } else if (message.type === 'result') {
        finish(() => {
          resolve(message.result);
        });
      } else {
        finish(() => {
          reject(new Error(`the deployed-bundle child failed: ${message.message}\n${stderr}`));
        });
      }
    });
    child.once('error', (error) => {
      finish(() => {
        reject(error);
      });
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') return;
      finish(() => {
        reject(new Error(`the deployed-bundle child exited (${code ?? signal ?? '?'}) before answering: ${stderr}`));
      });
    });
    child.send({ type: 'start', input } satisfies ParentMessage);
  });
}
