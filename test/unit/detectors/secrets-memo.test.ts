import { describe, expect, it, vi } from 'vitest';
import type { GuardAction } from '../../../core/pipeline/action.js';

// Counts the real scanner's runs: the memo's whole point is to skip some.
const scanned: string[] = [];
vi.mock('../../../core/detectors/secret-rules.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../core/detectors/secret-rules.js')>();
  return {
    ...actual,
    findSecrets: (text: string) => {
      scanned.push(text);
      return actual.findSecrets(text);
    },
  };
});
const { secretsDetector } = await import('../../../core/detectors/secrets.js');
const { CleanTextMemo } = await import('../../../core/detectors/clean-text-memo.js');

const KEY = `ghp_${'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6'}`;
const longText = (seed: string) => `${seed}\n${'export const handler = (req, res) => res.json({ ok: true });\n'.repeat(40)}`;
const request = (texts: string[]): GuardAction => ({ kind: 'llm.request', client: 'claude-code', transport: 'proxy', host: 'api.anthropic.com', texts });

describe('secrets detector: texts found clean are not scanned again', () => {
  it("scans a conversation's earlier turns once, and only the new turn after", () => {
    const detector = secretsDetector();
    const system = longText('system prompt');
    const turn1 = longText('first question');
    const turn2 = longText('second question');
    expect(detector.detect(request([system, turn1]), { now: 0, homeDir: '/home/u' })).toEqual([]);
    scanned.length = 0;
    expect(detector.detect(request([system, turn1, turn2]), { now: 0, homeDir: '/home/u' })).toEqual([]);
    expect(scanned).toEqual([turn2]);
  });

  it('reports a secret every time it is sent, and in a text one character away from a clean one', () => {
    const detector = secretsDetector();
    const clean = longText('notes');
    const withKey = `${clean.slice(0, -1)} ${KEY}`;
    expect(detector.detect(request([clean]), { now: 0, homeDir: '/home/u' })).toEqual([]);
    for (let i = 0; i < 3; i++) {
      const findings = detector.detect(request([withKey]), { now: 0, homeDir: '/home/u' });
      expect(findings.map((f) => f.ruleId)).toEqual(['github-pat']);
      expect(findings[0].secretValues).toEqual([KEY]);
    }
  });

  it('keeps digests only: of clean long texts, bounded, oldest first out', () => {
    const memo = new CleanTextMemo(512, 2);
    const detector = secretsDetector(memo);
    detector.detect(request(['short and clean']), { now: 0, homeDir: '/home/u' });
    detector.detect(request([`${longText('x')} ${KEY}`]), { now: 0, homeDir: '/home/u' });
    expect(memo.size).toBe(0);
    const [a, b, c] = ['a', 'b', 'c'].map(longText);
    detector.detect(request([a, b, c]), { now: 0, homeDir: '/home/u' });
    expect(memo.size).toBe(2);
    expect(memo.isClean(memo.digestOf(a))).toBe(false);
    expect(memo.isClean(memo.digestOf(b))).toBe(true);
    expect(memo.isClean(memo.digestOf(c))).toBe(true);
    expect(memo.digestOf(a)).not.toContain('export const');
  });
});
