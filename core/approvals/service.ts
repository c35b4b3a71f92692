import type {
  ApprovalSubject, AskBody, FindingView, PendingApproval as ApiApproval, RememberedDecision as ApiRemembered,
} from '../../shared/api.js';
import type { ApprovalsService, PauseService } from '../control/services.js';
import type { Finding, GuardAction } from '../pipeline/action.js';
import type { PauseSwitch } from '../pipeline/pause.js';
import type { ApprovalQueue } from './queue.js';
import type { RememberedDecision, RememberedStore } from './remembered.js';
import type { Approvals, ApprovalOutcome, ApprovalRequest, PendingApproval } from './types.js';

/**
 * Adapters between the approvals core and the control API's shapes (shared/api.ts): the
 * engine hands these to startControlServer, and `belay mcp-wrap` asks through
 * RemoteApprovals. Text in subjects is untrusted: the queue neutralises what it shows.
 */

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function toApiApproval(a: PendingApproval, subject?: ApprovalSubject): ApiApproval {
  return {
    id: a.id,
    createdAt: iso(a.createdAt)!,
    expiresAt: iso(a.expiresAt),
    subject: subject ?? {
      kind: a.kind,
      client: a.client,
      transport: a.transport ?? 'proxy',
      server: a.server,
      tool: a.tool,
      ...(a.toolChange ? { toolChange: a.toolChange } : {}),
      ...(a.approvedPin ? { approvedPin: a.approvedPin } : {}),
    },
    findings: a.summary.findings,
    risk: a.risk,
    rule: a.rule,
    summary: a.summary.title,
    reason: a.reason,
    // What the human needs to decide, already neutralised and with secrets masked by the queue.
    ...(a.summary.highlight ? { highlight: a.summary.highlight } : {}),
    ...(a.summary.details.length > 0 ? { details: a.summary.details } : {}),
    // 'abandoned' (Belay stopped while it was held) reads as expired to the faces.
    status: a.status === 'abandoned' ? 'expired' : a.status,
    decidedBy: a.decidedBy,
    ...(a.answeredBy ? { answeredBy: a.answeredBy } : {}),
    decidedAt: iso(a.decidedAt),
    remember: a.remember,
    scope: a.scope,
  };
}

export function toApiRemembered(r: RememberedDecision): ApiRemembered {
  return {
    id: r.id, decision: r.decision, scope: r.scope, client: r.client, server: r.server || undefined, tool: r.tool || undefined,
    argsKey: r.argsHash, createdAt: iso(r.createdAt)!, expiresAt: iso(r.expiresAt),
  };
}

/** The action a human is asked about, as the API carries it (no free texts: they may hold secrets). */
export function subjectOf(action: GuardAction): ApprovalSubject {
  const { kind, client, transport, server, tool, arguments: args, host, path, method, provider, model, session, uri, toolPin, approvedPin, toolChange } = action;
  return { kind, client, transport, server, tool, arguments: args, host, path, method, provider, model, session, uri, toolPin, approvedPin, toolChange };
}

export function actionOf(s: ApprovalSubject): GuardAction {
  return { ...s, kind: s.kind as GuardAction['kind'], transport: s.transport };
}

const viewOf = (f: Finding): FindingView => ({ detector: f.detector, severity: f.severity, message: f.message, where: f.where, evidence: f.evidence, ruleId: f.ruleId });

export function approvalsService(queue: ApprovalQueue, remembered?: RememberedStore): ApprovalsService {
  let missedSince = Date.now();
  return {
    list: () => queue.list().map((a) => toApiApproval(a)),
    history: (limit) => queue.history(limit).map((a) => toApiApproval(a)),
    decide: (id, body) => queue.decide(id, body),
    ask: (req: AskBody, signal?: AbortSignal) =>
      queue.ask({ action: actionOf(req.subject), findings: req.findings, rule: req.rule, reason: req.reason, risk: req.risk }, signal),
    subscribe: (fn) => queue.subscribe((c) => fn({ type: c.type, approval: toApiApproval(c.approval) })),
    remembered: remembered ? () => remembered.list().map(toApiRemembered) : undefined,
    forget: remembered ? (id) => remembered.forget(id) : undefined,
    missed: () => queue.history(500).filter((a) => a.status === 'expired' && (a.decidedAt ?? 0) > missedSince).length,
    clearMissed: () => { missedSince = Date.now(); },
    extend: (id, ms) => {
      const a = queue.extend(id, ms);
      return a ? toApiApproval(a) : undefined;
    },
  };
}

export function pauseService(pause: PauseSwitch, by = 'control-api'): PauseService {
  return {
    state: () => {
      const s = pause.state();
      return { paused: s !== undefined, pausedUntil: iso(s?.until) };
    },
    pause: (minutes) => { pause.pause({ minutes, by }); },
    resume: () => { pause.resume(); },
  };
}

/** What RemoteApprovals needs from the control client (ControlClient.ask). */
export interface AskClient {
  ask(body: AskBody, signal?: AbortSignal): Promise<ApprovalOutcome>;
}

/**
 * The Approvals port for processes that are not the guard (`belay mcp-wrap`): asks the
 * human through the running Belay's control API. If Belay cannot be reached, ask()
 * rejects and the guard refuses the call as 'unavailable'.
 */
export class RemoteApprovals implements Approvals {
  constructor(private readonly client: AskClient) {}

  ask(req: ApprovalRequest): Promise<ApprovalOutcome> {
    return this.client.ask({
      subject: subjectOf(req.action),
      findings: req.findings.map(viewOf),
      risk: req.risk,
      rule: req.rule,
      reason: req.reason,
    });
  }
}
