import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../core/siem/backoff.js';

describe('backoff', () => {
  const opts = { baseMs: 1000, capMs: 300_000 };
  it('doubles per consecutive failure, jittered within the upper half, capped', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(500);
    expect(backoffDelay(1, opts, () => 1)).toBe(1000);
    expect(backoffDelay(4, opts, () => 1)).toBe(8000);
    expect(backoffDelay(4, opts, () => 0)).toBe(4000);
    expect(backoffDelay(50, opts, () => 1)).toBe(300_000);
    expect(backoffDelay(50, opts, () => 0)).toBe(150_000);
  });
  it('jitter spreads retries', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(6, opts)));
    expect(seen.size).toBeGreaterThan(10);
  });
});
