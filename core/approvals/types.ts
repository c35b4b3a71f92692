import type { DecidedBy, Risk } from '../../shared/events.js';
import type { ActionKind, Finding, GuardAction } from '../pipeline/action.js';

export type RememberFor = 'once' | 'session' | 'hour' | 'always';
export type RememberScope = 'tool' | 'server' | 'args';

/** What the guard asks a human about. */
export interface ApprovalRequest {
  action: GuardAction;
  findings: Finding[];
  rule?: string;
  reason?: string;
  risk: Risk;
}

export interface ApprovalOutcome {
  allowed: boolean;
  decidedBy: DecidedBy;
  approvalId: string;
  heldMs: number;
}

/** The port the guard asks through: the in-process ApprovalQueue, or a remote one over the control API (mcp-wrap). */
export interface Approvals {
  /** `signal`: the asker went away; its wait ends refused and the approval is withdrawn once nobody waits. */
  ask(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalOutcome>;
}

export interface DecisionInput {
  decision: 'allow' | 'deny';
  /** Without it (or 'once') the decision is for this call only. */
  remember?: RememberFor;
  scope?: RememberScope;
  /** Who answered: "cli", "tray", "dashboard". */
  by?: string;
}

/** What a human sees: everything already neutralised and secrets masked. */
export interface ApprovalSummary {
  title: string;
  client: string;
  server?: string;
  tool?: string;
  /** The one argument that makes the call risky. */
  highlight?: { where: string; text: string };
  findings: { detector: string; severity: Finding['severity']; message: string; where?: string; evidence?: string }[];
  /** Other facts worth a glance: host, model, path. */
  details: string[];
}

export type ApprovalStatus = 'pending' | 'allowed' | 'denied' | 'expired' | 'abandoned';

export interface PendingApproval {
  id: string;
  createdAt: number;
  expiresAt: number;
  status: ApprovalStatus;
  kind: ActionKind;
  /** Which door holds the call (absent on rows read back from the database). */
  transport?: 'proxy' | 'stdio';
  client: string;
  server?: string;
  tool?: string;
  /** For a changed tool: the readable diff since the approved version (neutralised). */
  toolChange?: string;
  approvedPin?: string;
  risk: Risk;
  rule?: string;
  reason?: string;
  summary: ApprovalSummary;
  /** Identical calls waiting on this one approval. */
  waiters: number;
  decidedAt?: number;
  decidedBy?: DecidedBy;
  /** Who answered (cli, tray...), when a human did. */
  answeredBy?: string;
  remember?: RememberFor;
  scope?: RememberScope;
}

export interface ApprovalChange {
  type: 'added' | 'decided' | 'expired';
  approval: PendingApproval;
}
