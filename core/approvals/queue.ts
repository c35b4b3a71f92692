import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { DecidedBy } from '../../shared/events.js';
import { normaliseArgs } from '../detectors/loops.js';
import type { GuardAction } from '../pipeline/action.js';
import { neutralise } from './neutralise.js';
import { shortId } from './ids.js';
import type { RememberedStore } from './remembered.js';
import { buildSummary } from './summary.js';
import type {
  ApprovalChange, ApprovalOutcome, ApprovalRequest, Approvals, ApprovalStatus, DecisionInput, PendingApproval,
} from './types.js';

export interface ApprovalQueueOptions {
  /** Persist approvals here (migration 004) so the CLI can list them. Without it, memory only. */
  db?: Database;
  /** Where "remember" answers are written. Without it, remember is ignored (once). */
  remembered?: RememberedStore;
  /** How long an approval waits before it is refused once (default 60 s). */
  timeoutMs?: number;
  /** Decided approvals kept in memory for history() without a database. */
  historySize?: number;
  now?: () => number;
  log?: (message: string) => void;
}

interface Entry {
  approval: PendingApproval;
  action: GuardAction;
  key: string;
  waiters: { resolve: (o: ApprovalOutcome) => void; startedAt: number }[];
  timer: NodeJS.Timeout;
}

export const DEFAULT_APPROVAL_TIMEOUT_MS = 60_000;
/** Longest an approval can be kept open by extend(). */
export const MAX_HOLD_MS = 10 * 60_000;

/** Two asks are "the same call" when these facts match: the second waits on the first. */
export function approvalKey(action: GuardAction): string {
  const texts = action.texts ? createHash('sha256').update(action.texts.join('\u0000').slice(0, 1 << 20)).digest('hex') : '';
  return createHash('sha256')
    .update(JSON.stringify([
      action.kind, action.phase ?? 'request', action.client, action.server ?? '', action.tool ?? '', action.host ?? '', action.method ?? '',
      action.path ?? '', action.uri ?? '', action.toolPin ?? '', normaliseArgs(action.arguments), texts,
    ]))
    .digest('hex');
}

/**
 * Holds `ask` flows until a human answers, the timeout refuses them, or Belay stops.
 * Identical concurrent asks share one approval. A timeout refuses once and never writes a
 * remembered rule. Pending approvals are written to SQLite so other processes (the CLI)
 * can list them; deciding goes through this object (the control API calls decide()).
 */
export class ApprovalQueue implements Approvals {
  private readonly pending = new Map<string, Entry>();
  private readonly byKey = new Map<string, Entry>();
  private readonly recent: PendingApproval[] = [];
  private readonly listeners = new Set<(c: ApprovalChange) => void>();
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly log: (m: string) => void;

  constructor(private readonly opts: ApprovalQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    this.log = opts.log ?? ((m) => process.stderr.write(`belay: ${m}\n`));
    // Approvals left pending by a Belay that stopped can never be answered: say so.
    opts.db?.prepare(`UPDATE approvals SET status = 'abandoned', decided_at = ? WHERE status = 'pending' AND owner_pid != ?`).run(this.now(), process.pid);
  }

  /**
   * Holds until decided. `signal` aborts one waiter (the asking process went away): it is
   * answered as refused, and the approval is withdrawn once nobody waits for it.
   */
  ask(req: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalOutcome> {
    const startedAt = this.now();
    const key = approvalKey(req.action);
    const existing = this.byKey.get(key);
    if (existing) {
      existing.approval.waiters++;
      this.persistWaiters(existing.approval);
      return new Promise((resolve) => this.addWaiter(existing, { resolve, startedAt }, signal));
    }
    const summary = buildSummary(req);
    const approval: PendingApproval = {
      id: shortId(),
      createdAt: startedAt,
      expiresAt: startedAt + this.timeoutMs,
      status: 'pending',
      kind: req.action.kind,
      transport: req.action.transport,
      client: summary.client,
      server: summary.server,
      tool: summary.tool,
      ...(req.action.toolChange ? { toolChange: neutralise(req.action.toolChange, 8000) } : {}),
      ...(req.action.approvedPin ? { approvedPin: req.action.approvedPin } : {}),
      risk: req.risk,
      rule: req.rule,
      reason: req.reason,
      summary,
      waiters: 1,
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish(approval.id, 'expired', 'timeout'), this.timeoutMs);
      timer.unref();
      const entry: Entry = { approval, action: req.action, key, waiters: [], timer };
      this.pending.set(approval.id, entry);
      this.byKey.set(key, entry);
      this.persistNew(approval);
      this.addWaiter(entry, { resolve, startedAt }, signal);
      this.emit({ type: 'added', approval: { ...approval } });
    });
  }

  private addWaiter(entry: Entry, waiter: Entry['waiters'][number], signal?: AbortSignal): void {
    entry.waiters.push(waiter);
    if (!signal) return;
    const onAbort = () => {
      const i = entry.waiters.indexOf(waiter);
      if (i === -1) return;
      entry.waiters.splice(i, 1);
      waiter.resolve({ allowed: false, decidedBy: 'unavailable', approvalId: entry.approval.id, heldMs: this.now() - waiter.startedAt });
      if (entry.waiters.length === 0) this.finish(entry.approval.id, 'abandoned', 'unavailable');
      else {
        entry.approval.waiters = entry.waiters.length;
        this.persistWaiters(entry.approval);
      }
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  /**
   * Keeps a pending approval open while the human reads it: its expiry moves to at least
   * `ms` from now, never past 10 minutes after it was asked.
   */
  extend(id: string, ms: number): PendingApproval | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    const t = this.now();
    const cap = entry.approval.createdAt + MAX_HOLD_MS;
    const expiresAt = Math.min(cap, Math.max(entry.approval.expiresAt, t + Math.max(0, ms)));
    if (expiresAt !== entry.approval.expiresAt) {
      entry.approval.expiresAt = expiresAt;
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => this.finish(id, 'expired', 'timeout'), Math.max(0, expiresAt - t));
      entry.timer.unref();
      this.write(() => this.opts.db!.prepare('UPDATE approvals SET expires_at = ? WHERE id = ?').run(expiresAt, id));
    }
    return { ...entry.approval };
  }

  list(): PendingApproval[] {
    return [...this.pending.values()].map((e) => ({ ...e.approval }));
  }

  get(id: string): PendingApproval | undefined {
    const e = this.pending.get(id);
    return e ? { ...e.approval } : this.recent.find((a) => a.id === id);
  }

  /** Answers a pending approval. False when there is no such pending approval (already decided, expired, unknown). */
  decide(id: string, input: DecisionInput): boolean {
    const entry = this.pending.get(id);
    if (!entry) return false;
    const remember = input.remember && input.remember !== 'once' ? input.remember : undefined;
    if (remember && this.opts.remembered) {
      try {
        this.opts.remembered.add({ action: entry.action, decision: input.decision, remember, scope: input.scope ?? 'tool', approvalId: id });
      } catch (err) {
        this.log(`could not remember the decision for approval ${id}: ${(err as Error).message}`);
      }
    }
    entry.approval.answeredBy = input.by;
    entry.approval.remember = remember;
    entry.approval.scope = remember ? input.scope ?? 'tool' : undefined;
    this.finish(id, input.decision === 'allow' ? 'allowed' : 'denied', 'human');
    return true;
  }

  subscribe(fn: (change: ApprovalChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Newest first: from the database when there is one, else what this process saw. */
  history(limit = 100): PendingApproval[] {
    if (this.opts.db) {
      const rows = this.opts.db.prepare('SELECT * FROM approvals ORDER BY created_at DESC LIMIT ?').all(limit) as ApprovalRow[];
      return rows.map(rowToApproval);
    }
    return [...this.list(), ...this.recent].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
  }

  /** Refuses everything still pending (Belay is stopping): nothing stays held forever. */
  close(): void {
    for (const id of [...this.pending.keys()]) this.finish(id, 'abandoned', 'unavailable');
    this.listeners.clear();
  }

  private finish(id: string, status: ApprovalStatus, decidedBy: DecidedBy): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    this.byKey.delete(entry.key);
    const t = this.now();
    Object.assign(entry.approval, { status, decidedBy, decidedAt: t });
    this.persistDecision(entry.approval);
    this.recent.unshift({ ...entry.approval });
    this.recent.length = Math.min(this.recent.length, this.opts.historySize ?? 200);
    const allowed = status === 'allowed';
    for (const w of entry.waiters) w.resolve({ allowed, decidedBy, approvalId: id, heldMs: t - w.startedAt });
    if (status === 'expired') this.log(`approval ${id} (${entry.approval.summary.title}) timed out and was refused once.`);
    this.emit({ type: status === 'expired' || status === 'abandoned' ? 'expired' : 'decided', approval: { ...entry.approval } });
  }

  private emit(change: ApprovalChange): void {
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch (err) {
        this.log(`an approvals listener failed: ${(err as Error).message}`);
      }
    }
  }

  private persistNew(a: PendingApproval): void {
    this.write(() =>
      this.opts.db!
        .prepare(`INSERT INTO approvals (id, created_at, expires_at, status, kind, client, server, tool, risk, rule, reason, summary, waiters, owner_pid)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(a.id, a.createdAt, a.expiresAt, a.status, a.kind, a.client, a.server ?? null, a.tool ?? null, a.risk, a.rule ?? null, a.reason ?? null, JSON.stringify(a.summary), a.waiters, process.pid),
    );
  }

  private persistWaiters(a: PendingApproval): void {
    this.write(() => this.opts.db!.prepare('UPDATE approvals SET waiters = ? WHERE id = ?').run(a.waiters, a.id));
  }

  private persistDecision(a: PendingApproval): void {
    this.write(() =>
      this.opts.db!
        .prepare('UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, answered_by = ?, remember = ?, scope = ? WHERE id = ?')
        .run(a.status, a.decidedAt ?? null, a.decidedBy ?? null, a.answeredBy ?? null, a.remember ?? null, a.scope ?? null, a.id),
    );
  }

  /** The database is for listing; a write that fails must not hold or drop a decision. */
  private write(fn: () => void): void {
    if (!this.opts.db) return;
    try {
      fn();
    } catch (err) {
      this.log(`could not record an approval in the database: ${(err as Error).message}`);
    }
  }
}

export interface ApprovalRow {
  id: string; created_at: number; expires_at: number; status: string; kind: string; client: string; server: string | null;
  tool: string | null; risk: string; rule: string | null; reason: string | null; summary: string; waiters: number;
  decided_at: number | null; decided_by: string | null; answered_by: string | null; remember: string | null; scope: string | null;
}

export function rowToApproval(r: ApprovalRow): PendingApproval {
  return {
    id: r.id, createdAt: r.created_at, expiresAt: r.expires_at, status: r.status as ApprovalStatus, kind: r.kind as PendingApproval['kind'],
    client: r.client, server: r.server ?? undefined, tool: r.tool ?? undefined, risk: r.risk as PendingApproval['risk'],
    rule: r.rule ?? undefined, reason: r.reason ?? undefined, summary: JSON.parse(r.summary) as PendingApproval['summary'],
    waiters: r.waiters, decidedAt: r.decided_at ?? undefined, decidedBy: (r.decided_by ?? undefined) as DecidedBy | undefined,
    answeredBy: r.answered_by ?? undefined, remember: (r.remember ?? undefined) as PendingApproval['remember'], scope: (r.scope ?? undefined) as PendingApproval['scope'],
  };
}

/** Pending approvals straight from the database (for the CLI when it cannot reach Belay). */
export function listPendingFromDb(db: Database): PendingApproval[] {
  return (db.prepare(`SELECT * FROM approvals WHERE status = 'pending' ORDER BY created_at`).all() as ApprovalRow[]).map(rowToApproval);
}
