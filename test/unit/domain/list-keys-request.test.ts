import { ValidationError } from '../../../lambdas/domain/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseListKeysRequest } from '../../../lambdas/domain/list-keys-request';

describe('GET /keys query', () => {
  it('defaults to the first page of 50', () => {
    expect(parseListKeysRequest(undefined)).toEqual({ limit: DEFAULT_PAGE_SIZE });
    expect(DEFAULT_PAGE_SIZE).toBe(50);
  });

  it('takes a limit up to the cap, and a cursor', () => {
    expect(parseListKeysRequest({ limit: '1' })).toEqual({ limit: 1 });
    expect(parseListKeysRequest({ limit: String(MAX_PAGE_SIZE), cursor: 'abc' })).toEqual({ limit: 100, cursor: 'abc' });
  });

  it.each(['0', '101', '1000', '-1', '1.5', 'ten', '', ' 5'])('refuses limit %j with a 400 naming it', (limit) => {
    expect(() => parseListKeysRequest({ limit })).toThrow(new ValidationError('limit must be a whole number from 1 to 100'));
  });

  it('refuses an empty cursor and unknown parameters', () => {
    expect(() => parseListKeysRequest({ cursor: '' })).toThrow(/cursor must not be empty/);
    expect(() => parseListKeysRequest({ owner: 'bob' })).toThrow(/unknown query parameter "owner"/);
  });
});
