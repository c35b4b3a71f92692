import type { Verdict } from '../pipeline/verdict.js';
import { blockedText, type RefusalCause } from '../protocols/mcp/refusal.js';

/** Said when an `ask` could not reach a human because no Belay (tray or `belay serve`) was running. */
export const NOT_RUNNING_REASON = 'Belay is not running, so nobody could approve this call (start Belay and retry)';

const CAUSE: Partial<Record<Verdict['decidedBy'], RefusalCause>> = {
  human: 'declined',
  timeout: 'timeout',
  paused: 'paused',
  error: 'error',
  unavailable: 'error',
};

/** The fixed text a refused call returns to the copilot (and its model). */
export function refusalText(v: Verdict): string {
  if (v.decidedBy === 'unavailable') return blockedText(NOT_RUNNING_REASON, 'error');
  return blockedText(v.reason ?? v.rule ?? 'policy', CAUSE[v.decidedBy] ?? 'policy');
}
