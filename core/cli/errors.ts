/** Exit codes every command uses: 0 ok, 1 the thing failed (or a check found a problem), 2 bad usage. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/** A bad flag value or combination the parser could not catch; exits with code 2. */
export class UsageError extends Error {}
