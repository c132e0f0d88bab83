/**
 * Figure 1's child process (started by bench/figures/deployed-bundle.ts with
 * `node --import tsx`, the deployed environment, stdout a file whose lines the parent
 * counts afterwards): imports the authorizer bundle as Lambda would,
 * checks its answers, then times its exported `handler` on API Gateway
 * payload 2.0 events in one interleaved micro-benchmark group with the two
 * references it is judged against, one bare SHA-256 of the key and
 * aws-jwt-verify on an Auth0 RS256 token, so every ratio is same-process,
 * same-round. Talks to the parent over IPC only: stdout is the logger's.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { itemAt } from './arrays';
import type { DynamoCounts } from './dynamo-counter';
import { auth0Verifier, type Auth0Jwks } from './figures/auth0-token';
import { microGroup, type MicroGroupOptions, type MicroOp } from './stats';

type Event = APIGatewayRequestAuthorizerEventV2;
interface Answer {
  readonly isAuthorized: boolean;
  readonly context?: { readonly assertion?: unknown } | undefined;
}
type Handler = (event: Event) => Promise<Answer>;

export interface DeployedChildInput {
  readonly bundleFile: string;
  /** Pools of distinct events (each invocation gets its own object), cycled through. */
  readonly events: {
    /** Valid keys, allowed; cached by the checks before anything is timed. */
    readonly allow: readonly Event[];
    /** Revoked keys on one route: a denial whose verdict is cached, the same kind again and again (a client retrying). */
    readonly revoked: readonly Event[];
    /** Real key ids with another secret (checksum valid): INVALID_SECRET, its verdict cached. */
    readonly wrongSecret: readonly Event[];
    /** Valid keys with one character changed: refused by the checksum before any lookup. */
    readonly mistyped: readonly Event[];
    /** A valid key used nowhere else: two calls, to count the DynamoDB reads of a first call and of a repeat. */
    readonly cacheCheck: readonly [Event, Event];
  };
  /**
   * The revoked and wrong-secret events are also spread over this many routes each, giving more (code, key, route)
   * kinds than the handler's denial log tracks (DenialLog: 10,000), cycled in order: each such call is a kind not
   * seen for longer than any dedupe remembers, so each writes its INFO line.
   */
  readonly routesPerKey: number;
  readonly sha256Input: string;
  readonly jwt: { readonly token: string; readonly jwks: Auth0Jwks };
  readonly micro: MicroGroupOptions;
}

export interface DeployedChildResult {
  readonly node: string;
  readonly importMs: number;
  readonly exportsHandler: boolean;
  /** The allow's identity assertion (an ES256 JWT), as the backend would receive it. */
  readonly assertionBytes: number;
  readonly cacheCheck: { readonly readsOnFirstCall: number; readonly readsOnRepeatCall: number };
  /** What went through the counting proxy while the group ran (cached verdicts: no reads expected). */
  readonly dynamoDbDuringSamples: DynamoCounts;
  /** Every denial the handler answered in this process, checks and warm-ups included. */
  readonly denialCalls: number;
  /** Of them, those meant to write their line (each a kind not seen for longer than any dedupe remembers). */
  readonly loggedDenialCalls: number;
  readonly samples: Record<string, number[]>;
  readonly batches: Record<string, number>;
}

export type ParentMessage = { type: 'start'; input: DeployedChildInput } | { type: 'counts'; counts: DynamoCounts };
export type ChildMessage = { type: 'counts?' } | { type: 'result'; result: DeployedChildResult } | { type: 'error'; message: string };

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

let countsWaiter: ((counts: DynamoCounts) => void) | undefined;
/** The parent's proxy counts, now (the parent answers at once; one question at a time). */
const dynamoCounts = (): Promise<DynamoCounts> =>
  new Promise((resolve) => {
    countsWaiter = resolve;
    send({ type: 'counts?' });
  });

process.on('message', (message: ParentMessage) => {
  if (message.type === 'counts') {
    countsWaiter?.(message.counts);
    countsWaiter = undefined;
    return;
  }
  run(message.input).then(
    (result) => {
      send({ type: 'result', result });
    },
    (error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    },
  );
});

async function run(input: DeployedChildInput): Promise<DeployedChildResult> {
  const start = process.hrtime.bigint();
  const bundle = (await import(pathToFileURL(input.bundleFile).href)) as { handler?: unknown };
  const importMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (typeof bundle.handler !== 'function') throw new Error('the bundle exports no handler');
  const handler = bundle.handler as Handler;
  const { events } = input;
  const revokedLogged = onManyRoutes(events.revoked, input.routesPerKey);
  const wrongSecretLogged = onManyRoutes(events.wrongSecret, input.routesPerKey);
  let denialCalls = 0;
  const expect = async (event: Event, allowed: boolean, what: string): Promise<Answer> => {
    const answer = await handler(event);
    if (!allowed) denialCalls += 1;
    if (answer.isAuthorized !== allowed) throw new Error(`the bundle ${answer.isAuthorized ? 'allowed' : 'refused'} ${what}`);
    return answer;
  };

  // The first call waits for whatever the entry point started at init (a warm-up read, the signing key's load);
  // a mistyped key needs no read of its own, so the cache check below counts the key's reads alone.
  await expect(itemAt(events.mistyped, 0), false, 'a mistyped key');
  await new Promise((resolve) => setTimeout(resolve, 100));

  // Is the verdict cache on in the bundle? One read on a first call, none on a repeat.
  const beforeFirst = await dynamoCounts();
  const first = await expect(events.cacheCheck[0], true, 'a valid key');
  const afterFirst = await dynamoCounts();
  await expect(events.cacheCheck[1], true, 'a valid key, again');
  const afterRepeat = await dynamoCounts();
  const assertion = first.context?.assertion;

  // Every answer checked, and every verdict that can be cached cached, before anything is timed.
  for (const event of events.allow) {
    const answer = await expect(event, true, 'a valid key');
    if (typeof answer.context?.assertion !== 'string') throw new Error('an allow came without its identity assertion');
  }
  for (const event of events.revoked) await expect(event, false, 'a revoked key');
  // From the end of their pools, so the group below (which starts at the front) meets them only once they are long forgotten.
  const loggedChecks = [...revokedLogged.slice(-64), ...wrongSecretLogged.slice(-64)];
  for (const event of loggedChecks) await expect(event, false, 'a revoked key or a wrong secret');
  for (const event of events.mistyped) await expect(event, false, 'a mistyped key');

  const verifyJwt = auth0Verifier(input.jwt.jwks);
  await verifyJwt(input.jwt.token); // throws if it does not verify

  let sink = 0;
  const shaInput = input.sha256Input;
  const cycle = (pool: readonly Event[], i: number): Event => itemAt(pool, i % pool.length);
  let loggedDenialCalls = loggedChecks.length;
  const denied = (pool: readonly Event[]) => (i: number) => {
    denialCalls += 1;
    return handler(cycle(pool, i));
  };
  const deniedAndLogged = (pool: readonly Event[]) => (i: number) => {
    denialCalls += 1;
    loggedDenialCalls += 1;
    return handler(cycle(pool, i));
  };
  const ops: MicroOp[] = [
    { name: 'allowCached', async: true, run: (i) => handler(cycle(events.allow, i)) },
    { name: 'deniedRepeated', async: true, run: denied(events.revoked) },
    { name: 'deniedLogged', async: true, run: deniedAndLogged(revokedLogged) },
    { name: 'deniedWrongSecretLogged', async: true, run: deniedAndLogged(wrongSecretLogged) },
    { name: 'deniedMistyped', async: true, run: denied(events.mistyped) },
    {
      // The floor, as figure 1 has always used it: the standard API, hex out, as lambdas/domain/secret-hash.ts hashes.
      name: 'sha256',
      async: false,
      run: () => {
        sink ^= createHash('sha256').update(shaInput).digest('hex').charCodeAt(0);
      },
    },
    { name: 'jwt', async: true, run: () => verifyJwt(input.jwt.token) },
  ];
  const beforeSamples = await dynamoCounts();
  const micro = await microGroup(ops, input.micro);
  const afterSamples = await dynamoCounts();
  if (sink === -1) process.stderr.write('\n'); // keeps the SHA-256 results alive

  return {
    node: process.version,
    importMs,
    exportsHandler: true,
    assertionBytes: typeof assertion === 'string' ? assertion.length : 0,
    cacheCheck: {
      readsOnFirstCall: afterFirst.reads - beforeFirst.reads,
      readsOnRepeatCall: afterRepeat.reads - afterFirst.reads,
    },
    dynamoDbDuringSamples: difference(afterSamples, beforeSamples),
    denialCalls,
    loggedDenialCalls,
    samples: Object.fromEntries([...micro].map(([name, r]) => [name, [...r.samples]])),
    batches: Object.fromEntries([...micro].map(([name, r]) => [name, r.batch])),
  };
}

/** The distinct headers of `events`, each on `routes` routes of its own (`GET /r/<n>`), alternating headers. */
function onManyRoutes(events: readonly Event[], routes: number): Event[] {
  const headers = [...new Map(events.map((event) => [event.headers?.authorization, event])).values()];
  const out: Event[] = [];
  for (let route = 0; route < routes; route += 1) {
    for (const base of headers) {
      const event = structuredClone(base);
      const path = `/r/${route}`;
      event.routeKey = `GET ${path}`;
      event.rawPath = path;
      event.routeArn = event.routeArn.replace(/\/GET\/.*$/, `/GET${path}`);
      event.requestContext.routeKey = event.routeKey;
      event.requestContext.http.path = path;
      out.push(event);
    }
  }
  return out;
}

function difference(after: DynamoCounts, before: DynamoCounts): DynamoCounts {
  const byCommand: Record<string, number> = {};
  for (const [name, count] of Object.entries(after.byCommand)) {
    const delta = count - (before.byCommand[name] ?? 0);
    if (delta !== 0) byCommand[name] = delta;
  }
  return { reads: after.reads - before.reads, writes: after.writes - before.writes, other: after.other - before.other, byCommand };
}
