import type * as z from 'zod';
import { errorCodeOf } from '../../../client/errors';
import type { ApiErrorCode } from '../../../client/errors';
import type { CreateKeyInput, KeyChange } from '../../../client/types';
import { updateKeySchema } from '../../../lambdas/domain/change-key-requests';
import { createKeySchema } from '../../../lambdas/domain/create-key-request';
import { ERROR_CODES } from '../../../lambdas/domain/errors';
import { INTERNAL_ERROR } from '../../../lambdas/http/error-status';

/** The client's types are readonly; the schemas' inputs are not. */
type Writable<T> = {
  -readonly [K in keyof T]: T[K] extends readonly (infer U)[] | undefined ? U[] | Exclude<T[K], readonly unknown[]> : T[K];
};
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * Assignable both ways and with the same fields (an optional field on one side alone would pass the first):
 * checked by the compiler (`tsc --noEmit`), where `true` does not compile if they differ.
 */
type Same<A, B> = Mutual<A, B> extends true ? Mutual<keyof A, keyof B> : false;
const agree = <A, B>(proof: Same<Writable<A>, B>) => proof;

describe('the client and the server agree', () => {
  it('on the request bodies: the client’s are the server’s schemas’ inputs', () => {
    expect(agree<CreateKeyInput, z.input<typeof createKeySchema>>(true)).toBe(true);
    expect(agree<KeyChange, z.input<typeof updateKeySchema>>(true)).toBe(true);
  });

  it('on every error code the API answers with: each is known, and typed as itself', () => {
    for (const code of [...ERROR_CODES, INTERNAL_ERROR.code]) {
      const known: { code: ApiErrorCode } = errorCodeOf({ code, message: 'x' }, 400);
      expect(known).toEqual({ code });
    }
  });
});
