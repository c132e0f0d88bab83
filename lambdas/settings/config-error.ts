/** What is wrong with a setting: it breaks its rule, a part of it is wrong, or it is missing. */
export type SettingProblem =
  /** `rule` reads after "must be": "a whole number from 1 to 1000". */
  | { readonly rule: string; readonly got?: string | undefined }
  /** A structured value with one wrong part: `"GET /x" is not a route key ...`. */
  | { readonly detail: string }
  /** `hint` says where to set it, in the reader's terms (a cdk -c flag, an environment variable). */
  | { readonly missing: true; readonly hint?: string | undefined };

function describe(setting: string, problem: SettingProblem): string {
  if ('missing' in problem) return problem.hint ?? `${setting} must be set`;
  if ('detail' in problem) return `${setting}: ${problem.detail}`;
  return `${setting} must be ${problem.rule}${problem.got === undefined ? '' : `, got "${problem.got}"`}`;
}

/**
 * A setting is missing or breaks its rule: raised once, at start-up (or at
 * synth), before anything runs. The message names the setting as its reader
 * knows it (`MAX_KEYS_PER_USER` in Lambda and under `npm start`,
 * `maxKeysPerUser` in CDK) and the rule it breaks. Settings hold no secrets,
 * so the offending value is quoted back.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** The setting, named as its reader names it. */
    readonly setting: string,
    readonly problem: SettingProblem,
  ) {
    super(describe(setting, problem));
  }
}
