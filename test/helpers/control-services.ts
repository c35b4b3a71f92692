import { randomUUID } from 'node:crypto';
import type { ApprovalOutcome, AskBody, DecisionBody, PendingApproval } from '../../shared/api.js';
import { AuditLog } from '../../core/audit/audit-log.js';
import { auditEventsService } from '../../core/control/audit-events.js';
import { exportEvents } from '../../core/audit/export/index.js';
import type { ApprovalChange, ApprovalsService, ControlServices, PauseService } from '../../core/control/services.js';
import type { BelayPaths } from '../../core/paths.js';
import { ensureDataDir } from '../../core/paths.js';

/**
 * A small in-memory approvals queue with the ApprovalsService shape, for control API
 * tests until the real queue (core/approvals) is wired by the engine. It holds asks
 * until decide() or their timeout, like the real one.
 */
export class MemoryApprovals implements ApprovalsService {
  private pending = new Map<string, { approval: PendingApproval; resolve: (o: ApprovalOutcome) => void; started: number; timer: NodeJS.Timeout }>();
  private done: PendingApproval[] = [];
  private listeners = new Set<(c: ApprovalChange) => void>();
  missedCount = 0;

  list(): PendingApproval[] {
    return [...this.pending.values()].map((p) => p.approval);
  }
  history(limit: number): PendingApproval[] {
    return this.done.slice(-limit).reverse();
  }
  ask(req: AskBody, signal?: AbortSignal): Promise<ApprovalOutcome> {
    const id = randomUUID();
    const timeoutMs = req.timeoutMs ?? 30_000;
    const approval: PendingApproval = {
      id,
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + timeoutMs).toISOString(),
      subject: req.subject,
      findings: req.findings,
      risk: req.risk,
      rule: req.rule,
      summary: req.summary ?? `${req.subject.client} wants to call ${req.subject.tool ?? req.subject.kind}`,
      reason: req.reason,
      status: 'pending',
    };
    return new Promise((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => this.finish(id, { status: 'expired', decidedBy: 'timeout' }, false), timeoutMs);
      this.pending.set(id, { approval, resolve, started, timer });
      signal?.addEventListener('abort', () => this.finish(id, { status: 'expired', decidedBy: 'unavailable' }, false));
      this.emit({ type: 'added', approval });
    });
  }
  decide(id: string, body: DecisionBody): boolean {
    if (!this.pending.has(id)) return false;
    this.finish(id, { status: body.decision === 'allow' ? 'allowed' : 'denied', decidedBy: 'human', remember: body.remember, scope: body.scope }, body.decision === 'allow');
    return true;
  }
  subscribe(fn: (c: ApprovalChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  missed(): number {
    return this.missedCount;
  }
  private finish(id: string, patch: Partial<PendingApproval>, allowed: boolean): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    const approval = { ...p.approval, ...patch, decidedAt: new Date().toISOString() };
    if (approval.status === 'expired') this.missedCount += 1;
    this.done.push(approval);
    p.resolve({ allowed, decidedBy: approval.decidedBy ?? 'human', approvalId: id, heldMs: Date.now() - p.started });
    this.emit({ type: approval.status === 'expired' ? 'expired' : 'decided', approval });
  }
  private emit(c: ApprovalChange): void {
    for (const fn of this.listeners) fn(c);
  }
}

export class MemoryPause implements PauseService {
  private until: number | undefined;
  private paused = false;
  state() {
    if (this.until !== undefined && Date.now() >= this.until) {
      this.paused = false;
      this.until = undefined;
    }
    return { paused: this.paused, ...(this.until ? { pausedUntil: new Date(this.until).toISOString() } : {}) };
  }
  pause(minutes?: number) {
    this.paused = true;
    this.until = minutes ? Date.now() + minutes * 60_000 : undefined;
  }
  resume() {
    this.paused = false;
    this.until = undefined;
  }
}

/** Control services over a real AuditLog file in the test's data folder. */
export function makeTestServices(paths: BelayPaths, extra: Partial<ControlServices> = {}) {
  ensureDataDir(paths);
  const log = AuditLog.open(paths.database, { batchMs: 5 });
  const approvals = new MemoryApprovals();
  const pause = new MemoryPause();
  const services: ControlServices = {
    info: () => ({ version: '0.0.0-test', startedAt: new Date().toISOString(), dataDir: paths.home }),
    events: auditEventsService(log),
    exports: { run: (o, out) => exportEvents(log.db, o, out) },
    approvals,
    pause,
    ...extra,
  };
  return { services, log, approvals, pause };
}
