import type { Finding, GuardAction, Severity } from '../pipeline/action.js';
import { findSecrets, maskSecret, scanTruncated, SECRET_SCAN_LIMIT } from './secret-rules.js';
import { CleanTextMemo } from './clean-text-memo.js';
import { collectStrings, collectTexts } from './strings.js';
import type { Detector } from './types.js';

/** Rules that match by shape alone (a keyword and a random value) are less certain than a known key format. */
const LESS_CERTAIN = new Set(['generic-secret', 'jwt']);

/**
 * Secrets leaving the machine: in LLM prompts, tool arguments and text sent back to a
 * model. What a tool returns to the copilot (phase 'response') stays on this machine
 * until it is sent to a model, so it is reported as low: the classic false alarm is a
 * read-only tool returning a file that contains something key-shaped, and blocking that
 * read helps nobody; the secret is caught when it is about to leave in a prompt.
 */
export function secretsDetector(memo = new CleanTextMemo()): Detector {
  return {
    name: 'secrets',
    appliesTo: ['llm.request', 'llm.tool_use', 'mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get', 'a2a.message', 'http'],
    detect(action: GuardAction): Finding[] {
      const sources = [...collectStrings(action.arguments), ...collectTexts(action.texts)];
      const findings: Finding[] = [];
      const seen = new Set<string>();
      const inbound = action.phase === 'response';
      for (const s of sources) {
        // A conversation's earlier turns, found clean when they were last sent.
        const digest = memo.digestOf(s.text);
        if (memo.isClean(digest)) continue;
        if (scanTruncated(s.text)) {
          findings.push({
            detector: 'secrets',
            severity: 'low',
            ruleId: 'scan-truncated',
            where: s.where,
            message: `Only the first ${SECRET_SCAN_LIMIT} characters of ${s.where} were scanned for secrets.`,
          });
        }
        const matches = findSecrets(s.text);
        if (matches.length === 0 && !scanTruncated(s.text)) memo.rememberClean(digest);
        for (const m of matches) {
          const dedupe = `${m.ruleId}\u0000${m.value}`;
          if (seen.has(dedupe)) continue;
          seen.add(dedupe);
          const severity: Severity = inbound ? 'low' : LESS_CERTAIN.has(m.ruleId) ? 'medium' : 'high';
          findings.push({
            detector: 'secrets',
            severity,
            ruleId: m.ruleId,
            where: s.where,
            evidence: maskSecret(m.value),
            secretValues: [m.value],
            message: inbound
              ? `A ${m.description} appears in what came back (${s.where}); it stays on this machine unless sent on.`
              : `A ${m.description} is about to leave this machine (${s.where}).`,
          });
        }
      }
      return findings;
    },
  };
}
