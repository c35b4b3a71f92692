import type { AskBody, ApprovalSubject, FindingView } from '../../shared/api.js';
import type { ApprovalOutcome, ApprovalRequest, Approvals } from '../approvals/types.js';
import type { ControlClient } from '../control/client.js';

/** No Belay (tray app or `belay serve`) is running to show the question to a human. */
export class BelayNotRunningError extends Error {
  constructor() {
    super('Belay is not running, so nobody can approve this call');
  }
}

export interface RemoteApprovalsOptions {
  /** Finds the running Belay (control.json + a status check); undefined when none runs. */
  connect: () => Promise<ControlClient | undefined>;
  log: (message: string) => void;
}

/** The part of an action a human needs to see (the control API neutralises it for display). */
export function askBodyOf(req: ApprovalRequest): AskBody {
  const a = req.action;
  const subject: ApprovalSubject = {
    kind: a.kind,
    client: a.client,
    transport: a.transport,
    ...(a.server !== undefined ? { server: a.server } : {}),
    ...(a.tool !== undefined ? { tool: a.tool } : {}),
    ...(a.arguments !== undefined ? { arguments: a.arguments } : {}),
    ...(a.uri !== undefined ? { uri: a.uri } : {}),
    ...(a.session !== undefined ? { session: a.session } : {}),
    // A remembered answer is bound to the tool's version; the human sees how it changed.
    ...(a.toolPin !== undefined ? { toolPin: a.toolPin } : {}),
    ...(a.approvedPin !== undefined ? { approvedPin: a.approvedPin } : {}),
    ...(a.toolChange !== undefined ? { toolChange: a.toolChange } : {}),
  };
  const findings: FindingView[] = req.findings.map(({ detector, severity, message, where, evidence, ruleId }) => ({ detector, severity, message, where, evidence, ruleId }));
  return { subject, findings, risk: req.risk, ...(req.rule ? { rule: req.rule } : {}), ...(req.reason ? { reason: req.reason } : {}) };
}

/**
 * The guard's approvals port inside `belay mcp-wrap`: there is no human in this process,
 * so an `ask` goes to the running Belay (tray or `belay serve`), which shows it and holds
 * the call until someone answers. When no Belay runs, ask() throws BelayNotRunningError
 * and the guard treats it as "nobody reachable" (refuse, or allow under the unsafe
 * setting). Belay is looked up again at each ask without a connection, so starting it
 * after the copilot works.
 */
export class RemoteApprovals implements Approvals {
  private client: ControlClient | undefined;
  private readonly controllers = new Set<AbortController>();

  constructor(private readonly opts: RemoteApprovalsOptions) {}

  async ask(req: ApprovalRequest): Promise<ApprovalOutcome> {
    const started = Date.now();
    this.client ??= await this.opts.connect();
    if (!this.client) throw new BelayNotRunningError();
    const controller = new AbortController();
    this.controllers.add(controller);
    try {
      return await this.client.ask(askBodyOf(req), controller.signal);
    } catch (err) {
      this.client = undefined;
      if (controller.signal.aborted) return { allowed: false, decidedBy: 'error', approvalId: '', heldMs: Date.now() - started };
      this.opts.log(`lost the running Belay while asking about ${req.action.tool ?? req.action.kind}: ${(err as Error).message}`);
      throw new BelayNotRunningError();
    } finally {
      this.controllers.delete(controller);
    }
  }

  /** Gives up every pending ask (the copilot went away): each resolves refused. */
  abortAll(): void {
    for (const c of this.controllers) c.abort();
  }
}
