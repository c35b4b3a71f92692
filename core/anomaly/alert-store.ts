import { randomUUID } from 'node:crypto';
import type { AlertView } from '../../shared/api.js';
import type { NewAuditEvent, Risk } from '../../shared/events.js';
import type { Database } from '../audit/database.js';

export type AlertKind = AlertView['kind'];
export type AlertSeverity = AlertView['severity'];

export interface RaiseAlert {
  kind: AlertKind;
  client: string;
  /** What the condition is about (host, tool, key name, metric); part of its identity. */
  subject?: string;
  message: string;
  severity: AlertSeverity;
  /** When it happened (ms); defaults to now. Recorded traffic passes its own times. */
  at?: number;
  host?: string;
  server?: string;
  tool?: string;
  /** Events that caused it. */
  links?: string[];
  /** Extra facts for the audit event (never secrets). */
  data?: Record<string, unknown>;
}

export interface RaiseResult {
  alertId: string;
  /** The audit event written for it; absent when this was a repeat inside the window. */
  eventId?: string;
  count: number;
  fresh: boolean;
}

interface Row {
  id: string;
  condition: string;
  kind: string;
  client: string;
  subject: string | null;
  message: string;
  severity: string;
  first_at: number;
  last_at: number;
  window_ends: number;
  count: number;
  event_id: string | null;
  summarized: number;
  acked_at: number | null;
  acked_by: string | null;
}

const RISK: Record<AlertSeverity, Risk> = { low: 'low', medium: 'medium', high: 'high', critical: 'critical' };

function view(r: Row): AlertView {
  return {
    id: r.id,
    kind: r.kind as AlertKind,
    client: r.client,
    ...(r.subject ? { subject: r.subject } : {}),
    message: r.message,
    severity: r.severity as AlertSeverity,
    firstAt: new Date(r.first_at).toISOString(),
    lastAt: new Date(r.last_at).toISOString(),
    count: r.count,
    ...(r.event_id ? { eventId: r.event_id } : {}),
    acked: r.acked_at !== null,
    ...(r.acked_at !== null ? { ackedAt: new Date(r.acked_at).toISOString() } : {}),
    ...(r.acked_by ? { ackedBy: r.acked_by } : {}),
  };
}

/**
 * Alerts without storms: the first time a condition fires in a window it becomes an
 * `alert` audit event (so the SIEM gets it at once) and a row here; repeats inside the
 * window only raise the row's count. When the window closes with repeats, sweep() writes
 * one more audit event carrying the final count. Rows are what the faces list and ack.
 */
export class AlertStore {
  constructor(
    private readonly db: Database,
    private readonly audit: { append(e: NewAuditEvent): { id: string } },
    private readonly windowMs: () => number,
  ) {}

  raise(a: RaiseAlert): RaiseResult {
    const at = a.at ?? Date.now();
    const condition = `${a.kind}\u0000${a.client}\u0000${a.subject ?? ''}`;
    const open = this.db
      .prepare('SELECT * FROM alerts WHERE condition = ? AND window_ends > ? AND first_at <= ? ORDER BY first_at DESC LIMIT 1')
      .get(condition, at, at) as Row | undefined;
    if (open) {
      this.db.prepare('UPDATE alerts SET count = count + 1, last_at = max(last_at, ?) WHERE id = ?').run(at, open.id);
      return { alertId: open.id, count: open.count + 1, fresh: false };
    }
    const id = randomUUID();
    const { id: eventId } = this.audit.append({
      type: 'alert',
      protocol: 'belay',
      transport: 'internal',
      client: a.client,
      startedAt: at,
      host: a.host,
      server: a.server,
      tool: a.tool,
      decision: 'allow',
      risk: RISK[a.severity],
      error: a.message,
      links: a.links,
      data: { ...(a.data ?? {}), alert: a.kind, alertId: id, ...(a.subject ? { subject: a.subject } : {}), count: 1, message: a.message },
    });
    this.db
      .prepare(
        `INSERT INTO alerts (id, condition, kind, client, subject, message, severity, first_at, last_at, window_ends, count, event_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
      )
      .run(id, condition, a.kind, a.client, a.subject ?? null, a.message, a.severity, at, at, at + this.windowMs(), eventId);
    return { alertId: id, eventId, count: 1, fresh: true };
  }

  /**
   * Closes windows that ended before `now`: one more audit event for each that repeated
   * (so the SIEM learns the count), nothing for the rest. Returns the events written.
   */
  sweep(now = Date.now()): number {
    const due = this.db.prepare('SELECT * FROM alerts WHERE summarized = 0 AND window_ends <= ?').all(now) as Row[];
    let written = 0;
    const mark = this.db.prepare('UPDATE alerts SET summarized = 1 WHERE id = ?');
    for (const r of due) {
      if (r.count > 1) {
        this.audit.append({
          type: 'alert',
          protocol: 'belay',
          transport: 'internal',
          client: r.client,
          startedAt: r.last_at,
          decision: 'allow',
          risk: RISK[r.severity as AlertSeverity] ?? 'medium',
          error: `${r.message} (repeated ${r.count} times between ${new Date(r.first_at).toISOString()} and ${new Date(r.last_at).toISOString()})`,
          links: r.event_id ? [r.event_id] : undefined,
          data: { alert: r.kind, alertId: r.id, ...(r.subject ? { subject: r.subject } : {}), count: r.count, summary: true, firstAt: new Date(r.first_at).toISOString(), lastAt: new Date(r.last_at).toISOString() },
        });
        written++;
      }
      mark.run(r.id);
    }
    return written;
  }

  list(opts: { includeAcked?: boolean; limit?: number; since?: number } = {}): AlertView[] {
    const rows = this.db
      .prepare(`SELECT * FROM alerts WHERE (? OR acked_at IS NULL) AND last_at >= ? ORDER BY last_at DESC LIMIT ?`)
      .all(opts.includeAcked ? 1 : 0, opts.since ?? 0, Math.min(opts.limit ?? 200, 5000)) as Row[];
    return rows.map(view);
  }

  get(id: string): AlertView | undefined {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return row ? view(row) : undefined;
  }

  /** False when the id is unknown or already acknowledged. */
  ack(id: string, by = 'user', at = Date.now()): boolean {
    return this.db.prepare('UPDATE alerts SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL').run(at, by, id).changes > 0;
  }

  ackAll(by = 'user', at = Date.now()): number {
    return this.db.prepare('UPDATE alerts SET acked_at = ?, acked_by = ? WHERE acked_at IS NULL').run(at, by).changes;
  }

  openCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM alerts WHERE acked_at IS NULL').get() as { n: number }).n;
  }
}
