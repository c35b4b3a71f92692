import type { Verdict } from '../../pipeline/verdict.js';
import type { RefusalCause } from '../../protocols/mcp/index.js';

/** The reason a refusal gives, without its closing period: callers end the sentence themselves. */
export function refusalMessage(v: Verdict): string {
  const reason = v.reason ?? (v.rule && v.rule !== 'default' ? `policy rule "${v.rule}"` : v.findings[0]?.message ?? 'policy');
  return reason.trim().replace(/[.\s]+$/, '') || 'policy';
}

export function refusalCause(v: Verdict): RefusalCause {
  switch (v.decidedBy) {
    case 'human':
      return 'declined';
    case 'timeout':
    case 'unavailable':
      return 'timeout';
    case 'paused':
      return 'paused';
    case 'error':
      return 'error';
    default:
      return 'policy';
  }
}
