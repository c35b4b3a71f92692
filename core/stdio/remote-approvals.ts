import type { ApprovalOutcome, AskBody } from '../../shared/api.js';
import type { ControlClient } from '../control/client.js';

export interface RemoteApprovalsOptions {
  /** Finds the running Belay (control.json + a status check); undefined when none runs. */
  connect: () => Promise<ControlClient | undefined>;
  /** settings.stdio.askWhenOffline: what an `ask` becomes when no Belay is running. 'allow' is unsafe. */
  askWhenOffline: 'deny' | 'allow';
  log: (message: string) => void;
}

/**
 * The approvals port of a guard running inside `belay mcp-wrap`: there is no human in
 * this process, so an `ask` is sent to the running Belay (tray app or `belay serve`),
 * which shows it and holds the request until someone answers. Belay is looked up at
 * each ask that finds no connection, so starting Belay after the copilot works.
 */
export class RemoteApprovals {
  private client: ControlClient | undefined;
  private readonly controllers = new Set<AbortController>();

  constructor(private readonly opts: RemoteApprovalsOptions) {}

  async ask(body: AskBody): Promise<ApprovalOutcome> {
    const started = Date.now();
    this.client ??= await this.opts.connect();
    if (!this.client) return this.offline(started);
    const controller = new AbortController();
    this.controllers.add(controller);
    try {
      return await this.client.ask(body, controller.signal);
    } catch (err) {
      this.client = undefined;
      if (controller.signal.aborted) return { allowed: false, decidedBy: 'error', approvalId: '', heldMs: Date.now() - started };
      this.opts.log(`lost the running Belay while asking about ${body.subject.tool ?? body.subject.kind}: ${(err as Error).message}`);
      return this.offline(started);
    } finally {
      this.controllers.delete(controller);
    }
  }

  /** Gives up every pending ask (the copilot went away): each resolves refused. */
  abortAll(): void {
    for (const c of this.controllers) c.abort();
  }

  private offline(started: number): ApprovalOutcome {
    const allowed = this.opts.askWhenOffline === 'allow';
    if (allowed) this.opts.log('Belay is not running; allowing a call that needs approval because settings.stdio.askWhenOffline is "allow" (unsafe).');
    return { allowed, decidedBy: 'unavailable', approvalId: '', heldMs: Date.now() - started };
  }
}
