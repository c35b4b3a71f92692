import { describe, expect, it } from 'vitest';
import { neutralise, neutraliseLine, NEUTRALISE_MAX } from '../../../core/approvals/neutralise.js';

describe('neutralise', () => {
  it('makes bidi overrides and invisible characters visible', () => {
    const out = neutralise('safe\u202Egnp.exe\u200B and \u{E0041}\u{E0042}');
    expect(out).toBe('safe\\u{202e}gnp.exe\\u{200b} and \\u{e0041}\\u{e0042}');
  });

  it('removes terminal escape sequences and control characters', () => {
    const out = neutralise('a\u001b[31mred\u001b[0m b\u001b]0;title\u0007c\u0000d\u0008e\u009b2Jf');
    expect(out).toBe('ared bcdef');
    expect(out).not.toMatch(/[\u0000-\u0008\u001b\u009b]/);
  });

  it('keeps newlines and tabs readable, one line for neutraliseLine', () => {
    expect(neutralise('a\n\tb')).toBe('a\n\tb');
    expect(neutraliseLine('a\r\nb')).toBe('a b');
  });

  it('caps long input and says how much was cut', () => {
    const out = neutralise('x'.repeat(100_000));
    expect(out.length).toBeLessThan(NEUTRALISE_MAX + 40);
    expect(out).toMatch(/… \(\d+ more characters\)$/);
    expect(neutraliseLine('y'.repeat(1000), 50)).toHaveLength(50);
  });

  it('copes with non-strings and hostile escape runs', () => {
    expect(neutralise(undefined)).toBe('');
    expect(neutralise(42)).toBe('42');
    expect(typeof neutralise('\u001b]'.repeat(50_000))).toBe('string');
  });
});
