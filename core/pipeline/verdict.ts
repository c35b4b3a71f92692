import type { DecidedBy, Risk } from '../../shared/events.js';
import type { Finding } from './action.js';

/** What the guard decided about one action, after detectors, policy, memory and the human. */
export interface Verdict {
  /** Final outcome for the flow: allow (maybe after redaction) or deny. `ask` is resolved before a verdict exists. */
  outcome: 'allow' | 'deny';
  /** What policy asked for (allow, ask, deny, redact); ask stays visible here after the human answered. */
  decision: 'allow' | 'ask' | 'deny' | 'redact';
  decidedBy: DecidedBy;
  /** Rule name or id that matched, or "default". */
  rule?: string;
  /** Reason shown to the human / kept in the log. */
  reason?: string;
  risk: Risk;
  findings: Finding[];
  /** Approval id when a human was asked. */
  approvalId?: string;
  /** How long the flow was held waiting for a decision, in ms. */
  heldMs?: number;
  /** For redact: the strings to replace before forwarding (never stored). */
  redactions?: string[];
}

export interface DecideOptions {
  /**
   * Aborted when whoever asked went away (the client closed the request): an open approval
   * is withdrawn rather than left for a human to answer about nothing, and the verdict is
   * a refusal (decidedBy 'unavailable').
   */
  signal?: AbortSignal;
}

/** The one entry point the doors (proxy, stdio relay) call. */
export interface Guard {
  decide(action: import('./action.js').GuardAction, opts?: DecideOptions): Promise<Verdict>;
}

/** A guard that allows everything and finds nothing: what the engine runs before policy is wired. */
export const allowAllGuard: Guard = {
  async decide() {
    return { outcome: 'allow', decision: 'allow', decidedBy: 'default', rule: 'default', risk: 'none', findings: [] };
  },
};
