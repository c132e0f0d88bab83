import { LOCAL_AUDIENCE } from '../../local/settings';
import { startTestSystem, type TestSystem } from '../support/local-system';

/** REQUIRED_SCOPE holds under `npm start` with the development identity provider, as it does with Auth0. */
describe('the development identity provider with REQUIRED_SCOPE', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ identity: { devPort: 0, audience: LOCAL_AUDIENCE, requiredScope: 'keys:manage' } });
  });
  afterAll(() => system.stop());

  it('refuses a token without the scope and serves one with it', async () => {
    const without = await system.call('/keys', {
      method: 'POST',
      token: await system.tokenFor('alice'),
      body: JSON.stringify({ name: 'ci' }),
    });
    expect(without).toMatchObject({ status: 403, body: { code: 'INSUFFICIENT_SCOPE' } });
    const scoped = await system.tokenFor('alice', { scope: 'openid keys:manage' });
    expect((await system.call('/keys', { method: 'POST', token: scoped, body: JSON.stringify({ name: 'ci' }) })).status).toBe(201);
  });
});
