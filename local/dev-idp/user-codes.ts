import { randomInt } from 'node:crypto';

/** Consonants without look-alikes (no vowels, so no words; no I/O/U/Y). */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** A random normalised user code (8 letters, no dash). */
export function randomUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i += 1) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)] ?? '';
  return code;
}

/** Upper case, without dashes or spaces: `bcdf-ghjk` and `BCDFGHJK` are the same code. */
export function normaliseUserCode(userCode: string): string {
  return userCode.replace(/[\s-]/g, '').toUpperCase();
}

/** The form shown to people: `BCDF-GHJK`. */
export function formatUserCode(userCode: string): string {
  return `${userCode.slice(0, 4)}-${userCode.slice(4)}`;
}
