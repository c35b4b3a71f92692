/**
 * Exponential backoff with jitter, as log shippers do it: the delay doubles with each
 * consecutive failure up to a cap, and the actual wait is drawn from the upper half of
 * it, so many Belays behind one collector do not retry in lockstep yet still back off.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 5 * 60_000 };

/** Wait before attempt number `attempts + 1`, given `attempts` consecutive failures (≥ 1). */
export function backoffDelay(attempts: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
