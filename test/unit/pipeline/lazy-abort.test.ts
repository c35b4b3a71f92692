import { describe, expect, it } from 'vitest';
import { LazyAbort } from '../../../core/pipeline/lazy-abort.js';

describe('LazyAbort', () => {
  it('a signal asked for before the abort fires once, when it comes', () => {
    const a = new LazyAbort();
    const signal = a.signal;
    let fired = 0;
    signal.addEventListener('abort', () => fired++);
    expect(signal.aborted).toBe(false);
    expect(a.signal).toBe(signal);
    a.abort();
    a.abort();
    expect([a.aborted, signal.aborted, fired]).toEqual([true, true, 1]);
  });

  it('a signal first asked for after the abort is already aborted', () => {
    const a = new LazyAbort();
    expect(a.aborted).toBe(false);
    a.abort();
    expect(a.aborted).toBe(true);
    expect(a.signal.aborted).toBe(true);
  });
});
