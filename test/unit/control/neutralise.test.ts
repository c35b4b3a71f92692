import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neutralise } from '../../../shared/neutralise.js';
import { approvalHeadline, riskyPart } from '../../../shared/summary.js';

describe('neutralise (untrusted text shown in prompts and the dashboard)', () => {
  it('shows bidi overrides and zero-width characters instead of letting them reorder or hide text', () => {
    const s = neutralise('safe_tool\u202Egnp.exe\u200B');
    expect(s).toBe('safe_tool\\u{202e}gnp.exe\\u{200b}');
  });
  it('removes terminal escape sequences and control characters', () => {
    expect(neutralise('\u001b[2J\u001b]0;title\u0007rm -rf /\u0000')).toBe('rm -rf /');
  });
  it('folds newlines for one-line labels and caps length with a count', () => {
    expect(neutralise('a\nb')).toBe('a b');
    expect(neutralise('a\nb', { multiline: true })).toBe('a\nb');
    expect(neutralise('x'.repeat(300), { max: 10 })).toBe(`${'x'.repeat(10)}… (290 more characters)`);
  });
  it('never returns more than max plus the suffix, and never throws, for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.integer({ min: 1, max: 300 }), (s, max) => {
        const out = neutralise(s, { max });
        expect(out.length).toBeLessThanOrEqual(max + 40);
        expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
      }),
    );
  });
  it('headline and risky part of an approval are neutralised', () => {
    const a = {
      summary: 'Claude wants \u202Eto be safe',
      subject: { kind: 'mcp.tool_call', client: 'claude-code', transport: 'stdio' as const, tool: 'run', arguments: { command: 'ls' } },
      findings: [{ detector: 'destructive-command', severity: 'critical' as const, message: 'deletes', evidence: 'rm -rf ~\u001b[0m' }],
    };
    expect(approvalHeadline(a as never)).toBe('Claude wants \\u{202e}to be safe');
    expect(riskyPart(a)).toBe('rm -rf ~');
    // The core's summary names the client by id; the headline uses its name.
    expect(approvalHeadline({ ...a, summary: 'The model asks claude-code to run bash' } as never)).toBe('The model asks Claude Code to run bash');
    // The core's highlight comes first, and is neutralised again (the faces trust no text).
    expect(riskyPart({ ...a, highlight: { where: 'arguments.command', text: 'rm -rf \u202E~/src' } })).toBe('rm -rf \\u{202e}~/src');
  });
});
