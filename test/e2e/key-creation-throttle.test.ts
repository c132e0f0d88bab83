import { startTestSystem, type TestSystem } from '../support/local-system';

describe('npm start with KEY_CREATION_RATE_LIMIT=1 and KEY_CREATION_BURST_LIMIT=3', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ throttle: true, keyCreationThrottle: { rateLimit: 1, burstLimit: 3 } });
  });
  afterAll(() => system.stop());

  it('lets 3 creates through, then answers 429 until a token comes back a second later', async () => {
    const token = await system.tokenFor('auth0|budget');
    const create = async (name: string) => (await system.call('/keys', { method: 'POST', token, body: JSON.stringify({ name }) })).status;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push(await create(`k${i}`));
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    system.clock.advance(1);
    expect([await create('later'), await create('too soon')]).toEqual([201, 429]);
  });
});
