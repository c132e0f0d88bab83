import { KeyFormat } from '../../lambdas/domain/key-format';
import { DEFAULT_KEY_POLICY } from '../../lambdas/domain/key-policy';
import { startTestSystem, type TestSystem } from '../support/local-system';
import { seededRandom } from '../support/seeded-random';

/**
 * A bounded load test on loopback: concurrent clients verify keys through the
 * gateway while others create and revoke keys, against DynamoDB Local. Every
 * answer is judged against what the clients had been told so far:
 *
 * - a key whose revoke was not yet sent when the answer arrived must be allowed;
 * - a key whose revoke was acknowledged before the request was sent must be
 *   refused (with a cache TTL: once the TTL has passed, on the gateway's clock,
 *   since every verdict that could have been cached before the revoke);
 * - keys that never existed, or with a wrong secret, are always refused;
 * - nothing answers 5xx; every owner's GET /keys agrees with the clients.
 */

const OWNERS = 5;
const KEYS_PER_OWNER_AT_START = 8;
const CLIENTS = 20;
const LIMIT = DEFAULT_KEY_POLICY.maxKeysPerUser;
const format = new KeyFormat('uak');

interface Owner {
  readonly sub: string;
  readonly token: string;
  /** Creates acknowledged (201) plus creates in flight, minus revokes acknowledged: at least the real active count. */
  reserved: number;
  createsInFlight: number;
}

interface TrackedKey {
  readonly id: string;
  readonly key: string;
  readonly owner: Owner;
  readonly createdAt: number;
  /** Event sequence numbers (this process's order of sends and receipts). */
  revokeSentAt?: number;
  revokeAckedAt?: number;
  /** Requests for this key sent before its revoke was acknowledged and not yet answered. */
  readonly whoamiInFlight: Set<number>;
  pendingAtAck?: Set<number>;
  /** Gateway clock (ms) once every verdict that could have been cached before the revoke is known. */
  settledClockMs?: number;
}

interface Stats {
  requests: number;
  byKind: Record<string, number>;
  byStatus: Record<number, number>;
  allowedInRevokeWindow: number;
  deniedInRevokeWindow: number;
  allowedAfterRevokeWithinTtl: number;
  maxLatencyMs: number;
}

interface RunOptions {
  readonly ttlSeconds: number;
  readonly totalRequests: number;
  readonly seed: number;
  /** With a TTL: advance the gateway's clock by this much every `tickEvery` answers. */
  readonly tickSeconds?: number;
  readonly tickEvery?: number;
}

async function runLoad(system: TestSystem, options: RunOptions) {
  const rand = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
  const ttlMs = options.ttlSeconds * 1000;
  const problems: string[] = [];
  const unknownListedIds = new Set<string>();
  const stats: Stats = {
    requests: 0,
    byKind: {},
    byStatus: {},
    allowedInRevokeWindow: 0,
    deniedInRevokeWindow: 0,
    allowedAfterRevokeWithinTtl: 0,
    maxLatencyMs: 0,
  };
  let seq = 0;
  const tick = () => ++seq;
  const clockMs = () => system.clock.now().getTime();
  const problem = (text: string) => {
    if (problems.length < 50) problems.push(text);
  };

  const owners: Owner[] = [];
  for (let i = 0; i < OWNERS; i += 1) {
    const sub = `auth0|load-${options.seed}-${i}`;
    owners.push({ sub, token: await system.tokenFor(sub), reserved: 0, createsInFlight: 0 });
  }
  const keys: TrackedKey[] = [];
  const byId = new Map<string, TrackedKey>();

  async function request(kind: string, path: string, init: RequestInit & { bearer: string }) {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${init.bearer}`);
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    const sentAt = tick();
    const sentClockMs = clockMs();
    const begun = performance.now();
    const response = await fetch(`${system.gatewayUrl}${path}`, { ...init, headers, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    const receivedAt = tick();
    const latency = performance.now() - begun;
    stats.requests += 1;
    stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
    stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
    stats.maxLatencyMs = Math.max(stats.maxLatencyMs, latency);
    if (response.status >= 500) problem(`${kind} ${path} answered ${response.status}: ${text}`);
    if (options.ttlSeconds > 0 && options.tickEvery !== undefined && stats.requests % options.tickEvery === 0) {
      system.clock.advance(options.tickSeconds ?? 0.5);
    }
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), sentAt, receivedAt, sentClockMs };
  }

  async function create(owner: Owner, name: string): Promise<void> {
    owner.reserved += 1;
    owner.createsInFlight += 1;
    const answer = await request('create', '/keys', {
      method: 'POST',
      bearer: owner.token,
      body: JSON.stringify({ name, scopes: ['read'] }),
    }); // GET /whoami needs read
    owner.createsInFlight -= 1;
    if (answer.status !== 201) {
      owner.reserved -= 1;
      // reserved < limit before this create, so the owner had a free slot all along.
      problem(`create for ${owner.sub} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    const tracked: TrackedKey = {
      id: answer.body.id,
      key: answer.body.key,
      owner,
      createdAt: answer.receivedAt,
      whoamiInFlight: new Set(),
    };
    keys.push(tracked);
    byId.set(tracked.id, tracked);
  }

  function settleIfDone(key: TrackedKey): void {
    if (key.pendingAtAck?.size === 0 && key.settledClockMs === undefined) {
      key.settledClockMs = clockMs();
    }
  }

  async function revoke(key: TrackedKey): Promise<void> {
    key.revokeSentAt ??= tick();
    const answer = await request('revoke', `/keys/${key.id}`, { method: 'DELETE', bearer: key.owner.token });
    if (answer.status !== 204) {
      problem(`revoke of ${key.id} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    if (key.revokeAckedAt === undefined) {
      key.revokeAckedAt = answer.receivedAt;
      key.owner.reserved -= 1;
      key.pendingAtAck = new Set(key.whoamiInFlight);
      settleIfDone(key);
    }
  }

  async function whoami(key: TrackedKey): Promise<void> {
    const requestId = tick();
    const wasAckedAtSend = key.revokeAckedAt !== undefined;
    if (!wasAckedAtSend) key.whoamiInFlight.add(requestId);
    let answer;
    try {
      answer = await request('whoami', '/whoami', { bearer: key.key });
    } finally {
      key.whoamiInFlight.delete(requestId);
      if (key.pendingAtAck?.delete(requestId)) settleIfDone(key);
    }
    const revokeSentBeforeAnswer = key.revokeSentAt !== undefined && key.revokeSentAt < answer.receivedAt;
    const revokeAckedBeforeSend = key.revokeAckedAt !== undefined && key.revokeAckedAt < answer.sentAt;
    if (answer.status === 200) {
      if (answer.body?.keyId !== key.id || answer.body?.sub !== key.owner.sub) {
        problem(`whoami for ${key.id} allowed as ${JSON.stringify(answer.body)}`);
      }
      if (revokeAckedBeforeSend) {
        const cachedAllowPossible = ttlMs > 0 && (key.settledClockMs === undefined || answer.sentClockMs < key.settledClockMs + ttlMs);
        if (cachedAllowPossible) {
          stats.allowedAfterRevokeWithinTtl += 1;
        } else {
          problem(`key ${key.id} allowed after its revoke was acknowledged (ttl ${options.ttlSeconds} s)`);
        }
      } else if (revokeSentBeforeAnswer) {
        stats.allowedInRevokeWindow += 1;
      }
    } else if (answer.status === 403) {
      if (!revokeSentBeforeAnswer) {
        problem(`valid, unrevoked key ${key.id} refused: ${answer.status} ${JSON.stringify(answer.body)}`);
      } else if (!revokeAckedBeforeSend) {
        stats.deniedInRevokeWindow += 1;
      }
    } else {
      problem(`whoami for ${key.id} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  }

  async function whoamiBogus(): Promise<void> {
    const known = pick(keys);
    // Either a key that was never issued, or a known key id with another secret: both well formed.
    const bogus = known !== undefined && rand() < 0.5 ? format.format(known.id, format.generate().secret) : format.generate().key;
    const answer = await request('whoami-bogus', '/whoami', { bearer: bogus });
    if (answer.status !== 403) problem(`a bogus key answered ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  /** Every page of the owner's GET /keys (following nextCursor, if the API pages), as one answer. */
  async function listAll(owner: Owner, kind: string, pageSize?: number) {
    const listed = new Map<string, string>();
    let cursor: string | undefined;
    let first: { sentAt: number } | undefined;
    for (let pages = 0; ; pages += 1) {
      const query = new URLSearchParams();
      if (pageSize !== undefined) query.set('limit', String(pageSize));
      if (cursor !== undefined) query.set('cursor', cursor);
      const path = query.size === 0 ? '/keys' : `/keys?${query.toString()}`;
      const answer = await request(kind, path, { bearer: owner.token });
      first ??= answer;
      if (answer.status !== 200) return { status: answer.status, listed, sentAt: first.sentAt, receivedAt: answer.receivedAt };
      for (const key of answer.body.keys as { id: string; status: string }[]) {
        if (listed.has(key.id)) problem(`GET /keys for ${owner.sub} listed ${key.id} twice`);
        listed.set(key.id, key.status);
      }
      cursor = answer.body.nextCursor;
      if (cursor === undefined || pages > 20) return { status: 200, listed, sentAt: first.sentAt, receivedAt: answer.receivedAt };
    }
  }

  async function list(owner: Owner): Promise<void> {
    // Small pages while keys are created and revoked (an API without paging ignores the limit).
    const answer = await listAll(owner, 'list', 10);
    if (answer.status !== 200) {
      problem(`GET /keys for ${owner.sub} answered ${answer.status}`);
      return;
    }
    const listed = answer.listed;
    for (const key of keys) {
      if (key.owner !== owner || key.createdAt >= answer.sentAt) continue;
      const status = listed.get(key.id);
      if (status === undefined) problem(`GET /keys for ${owner.sub} lacks ${key.id}, created before it was asked`);
      else if (key.revokeAckedAt !== undefined && key.revokeAckedAt < answer.sentAt && status !== 'revoked') {
        problem(`GET /keys shows ${key.id} ${status} after its revoke was acknowledged`);
      } else if ((key.revokeSentAt === undefined || key.revokeSentAt > answer.receivedAt) && status !== 'active') {
        problem(`GET /keys shows unrevoked ${key.id} as ${status}`);
      }
    }
    for (const id of listed.keys()) {
      const known = byId.get(id);
      if (known === undefined)
        unknownListedIds.add(id); // a create still in flight; checked at the end
      else if (known.owner !== owner) problem(`GET /keys for ${owner.sub} shows ${id} of ${known.owner.sub}`);
    }
  }

  async function getOne(key: TrackedKey): Promise<void> {
    const stranger = owners.find((owner) => owner !== key.owner)!;
    const asStranger = rand() < 0.3;
    const answer = await request('get', `/keys/${key.id}`, { bearer: (asStranger ? stranger : key.owner).token });
    if (asStranger) {
      if (answer.status !== 404) problem(`another owner read ${key.id}: ${answer.status}`);
      return;
    }
    if (answer.status !== 200) problem(`GET /keys/${key.id} answered ${answer.status}`);
    else if (key.revokeAckedAt !== undefined && key.revokeAckedAt < answer.sentAt && answer.body.status !== 'revoked') {
      problem(`GET /keys/${key.id} shows ${answer.body.status} after its revoke was acknowledged`);
    } else if ((key.revokeSentAt === undefined || key.revokeSentAt > answer.receivedAt) && answer.body.status !== 'active') {
      problem(`GET /keys/${key.id} shows ${answer.body.status} before any revoke`);
    }
  }

  // The starting keys, 8 per owner, created 10 at a time.
  const initial = owners.flatMap((owner) => Array.from({ length: KEYS_PER_OWNER_AT_START }, (_, i) => () => create(owner, `initial ${i}`)));
  for (let i = 0; i < initial.length; i += 10) await Promise.all(initial.slice(i, i + 10).map((start) => start()));
  expect(keys).toHaveLength(OWNERS * KEYS_PER_OWNER_AT_START);

  let budget = options.totalRequests;
  async function client(): Promise<void> {
    while (budget > 0) {
      budget -= 1;
      const roll = rand();
      const active = keys.filter((key) => key.revokeSentAt === undefined);
      const revoked = keys.filter((key) => key.revokeSentAt !== undefined);
      const owner = pick(owners)!;
      if (roll < 0.08 && owner.reserved < LIMIT) {
        await create(owner, `load ${stats.requests}`);
      } else if (roll < 0.15 && active.length > OWNERS) {
        await revoke(pick(active)!);
      } else if (roll < 0.16 && revoked.length > 0) {
        await revoke(pick(revoked)!); // again: idempotent, 204
      } else if (roll < 0.19) {
        await list(owner);
      } else if (roll < 0.21) {
        await getOne(pick(keys)!);
      } else if (roll < 0.25) {
        await whoamiBogus();
      } else {
        // Mostly live keys; some revoked, and those whose revoke is racing.
        const racing = keys.filter((key) => key.revokeSentAt !== undefined && key.settledClockMs === undefined);
        const r = rand();
        const target = r < 0.15 && racing.length > 0 ? pick(racing)! : r < 0.35 && revoked.length > 0 ? pick(revoked)! : pick(active)!;
        await whoami(target);
      }
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => client()));
  const loadMs = performance.now() - started;

  // What each owner's GET /keys says, against what the clients were told.
  for (const owner of owners) {
    const answer = await listAll(owner, 'final-list');
    expect(answer.status).toBe(200);
    const mine = keys.filter((key) => key.owner === owner);
    const listed = [...answer.listed].map(([id, status]) => ({ id, status })).sort((a, b) => a.id.localeCompare(b.id));
    const expected = mine
      .map((key) => ({ id: key.id, status: key.revokeAckedAt !== undefined ? 'revoked' : 'active' }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(listed).toEqual(expected);
    const activeCount = expected.filter((key) => key.status === 'active').length;
    expect(activeCount).toBe(owner.reserved);
    expect(activeCount).toBeLessThanOrEqual(LIMIT);
  }
  for (const id of unknownListedIds) {
    if (!byId.has(id)) problem(`GET /keys listed ${id}, which no create ever returned`);
  }
  return { problems, stats, keys, owners, loadMs, request };
}

/** After the load: each owner can fill exactly up to the limit, so no slot leaked or was lost under contention. */
async function expectSlotsExact(system: TestSystem, owners: readonly Owner[]): Promise<void> {
  for (const owner of owners) {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT - owner.reserved + 1; i += 1) {
      const answer = await system.call('/keys', {
        method: 'POST',
        token: owner.token,
        body: JSON.stringify({ name: `fill ${i}`, scopes: ['read'] }),
        headers: { 'content-type': 'application/json' },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([...Array<number>(LIMIT - owner.reserved).fill(201), 409]);
  }
}

describe('load on loopback: concurrent verifications, creates and revokes', () => {
  describe('authorizer cache off (TTL 0)', () => {
    let system: TestSystem;
    beforeAll(async () => {
      system = await startTestSystem({ authorizerCacheTtlSeconds: 0 });
    });
    afterAll(() => system.stop());

    it('~2,000 requests from 20 clients: no wrong verdict, no 5xx, lists match what clients were told', async () => {
      const { problems, stats, keys, owners, loadMs } = await runLoad(system, { ttlSeconds: 0, totalRequests: 2000, seed: 20260601 });
      expect(problems).toEqual([]);
      expect(stats.requests).toBeGreaterThanOrEqual(2000);
      expect(Object.keys(stats.byStatus).filter((status) => Number(status) >= 500)).toEqual([]);
      // The mix really happened: verifications dominate, and keys were created and revoked during the load.
      expect(stats.byKind.whoami ?? 0).toBeGreaterThan(1200);
      expect(stats.byKind.create ?? 0).toBeGreaterThan(OWNERS * KEYS_PER_OWNER_AT_START + 40);
      expect(keys.filter((key) => key.revokeAckedAt !== undefined).length).toBeGreaterThan(40);
      expect(stats.byStatus[403] ?? 0).toBeGreaterThan(100);
      expect(loadMs).toBeLessThan(45_000);
      await expectSlotsExact(system, owners);
      // Headroom over jest's 60 s: the load alone took ~31 s on a busy 2-core machine; its own bound is loadMs's.
    }, 120_000);
  });

  describe('authorizer cache on (TTL 2 s, gateway clock moved by hand)', () => {
    const TTL = 2;
    let system: TestSystem;
    beforeAll(async () => {
      system = await startTestSystem({ authorizerCacheTtlSeconds: TTL });
    });
    afterAll(() => system.stop());

    it('~1,000 requests: a revoked key is refused once the TTL has passed, never denied before its revoke', async () => {
      const { problems, stats, loadMs } = await runLoad(system, {
        ttlSeconds: TTL,
        totalRequests: 1000,
        seed: 20261128,
        tickSeconds: 0.25,
        tickEvery: 20,
      });
      expect(problems).toEqual([]);
      expect(Object.keys(stats.byStatus).filter((status) => Number(status) >= 500)).toEqual([]);
      expect(stats.byKind.whoami ?? 0).toBeGreaterThan(600);
      expect(loadMs).toBeLessThan(30_000);
    });

    it('the cache is really on: a revoked key keeps working while cached, and is refused once the TTL has passed', async () => {
      const token = await system.tokenFor('auth0|ttl-check');
      const created = await system.call('/keys', {
        method: 'POST',
        token,
        body: JSON.stringify({ name: 'cached', scopes: ['read'] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(created.status).toBe(201);
      expect((await system.call('/whoami', { key: created.body.key })).status).toBe(200);
      expect((await system.call(`/keys/${created.body.id}`, { method: 'DELETE', token })).status).toBe(204);
      // Cached allow: the gateway did not ask the authorizer again.
      expect((await system.call('/whoami', { key: created.body.key })).status).toBe(200);
      // The TTL is shared between the gateway's cache and the authorizer's (half each).
      system.clock.advance(TTL / 2 - 0.5);
      expect((await system.call('/whoami', { key: created.body.key })).status).toBe(200);
      system.clock.advance(TTL / 2 + 0.5);
      expect((await system.call('/whoami', { key: created.body.key })).status).toBe(403);
    });
  });
});
