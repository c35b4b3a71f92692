import type { Database } from 'better-sqlite3';

/**
 * Forwarding state per destination, in the audit database (table siem_outbox, migration
 * 002). The cursor `last_acked_seq` only moves forward (MAX), so two processes racing,
 * or a late answer after a restart, can never move it back and resend history, nor past
 * an event nobody accepted.
 */

export interface DropRecord {
  fromSeq: number;
  toSeq: number;
  count: number;
  reason: 'cap.maxEvents' | 'cap.maxAgeDays' | 'retention';
  at: number;
}

export interface OutboxState {
  destination: string;
  lastAckedSeq: number;
  lastSuccessAt?: number;
  lastAttemptAt?: number;
  lastError?: string;
  lastErrorAt?: number;
  /** Consecutive failed attempts (0 after a success). */
  attempts: number;
  /** Not before this time (ms since epoch); 0 = now. */
  nextAttemptAt: number;
  sentTotal: number;
  droppedTotal: number;
  lastDrop?: DropRecord;
  rejectedTotal: number;
}

export interface RejectedEvent {
  seq: number;
  eventId: string;
  reason: string;
  at: number;
}

interface Row {
  destination: string;
  last_acked_seq: number;
  last_success_at: number | null;
  last_attempt_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  attempts: number;
  next_attempt_at: number;
  sent_total: number;
  dropped_total: number;
  last_drop: string | null;
  rejected_total: number;
}

/** Rejections kept per destination for `status`; the total is counted regardless. */
const REJECTED_KEPT = 100;

export class Outbox {
  constructor(private readonly db: Database) {}

  /** The newest seq in the log (0 when empty). */
  headSeq(): number {
    const r = this.db.prepare('SELECT max(seq) AS s FROM events').get() as { s: number | null };
    return r.s ?? 0;
  }

  /** Creates the destination's row if missing: cursor at 0 (whole log) or at the current head (new events only). */
  ensure(destination: string, startAt: 'beginning' | 'now', now = Date.now()): OutboxState {
    const tx = this.db.transaction(() => {
      const start = startAt === 'beginning' ? 0 : this.headSeq();
      this.db
        .prepare('INSERT OR IGNORE INTO siem_outbox (destination, last_acked_seq, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(destination, start, now, now);
    });
    tx.immediate();
    return this.get(destination)!;
  }

  get(destination: string): OutboxState | undefined {
    const r = this.db.prepare('SELECT * FROM siem_outbox WHERE destination = ?').get(destination) as Row | undefined;
    return r ? toState(r) : undefined;
  }

  all(): OutboxState[] {
    return (this.db.prepare('SELECT * FROM siem_outbox ORDER BY destination').all() as Row[]).map(toState);
  }

  /** Forgets a destination's cursor and history (when it is removed from siem.json). */
  remove(destination: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM siem_outbox WHERE destination = ?').run(destination);
      this.db.prepare('DELETE FROM siem_rejected WHERE destination = ?').run(destination);
    })();
  }

  /**
   * The destination acknowledged events up to `toSeq`: moves the cursor, counts them,
   * records rejections, and clears the retry state when the whole batch went through.
   */
  recordAck(destination: string, a: { toSeq: number; count: number; rejected: RejectedEvent[]; complete: boolean }, now = Date.now()): void {
    const tx = this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE siem_outbox SET last_acked_seq = max(last_acked_seq, @toSeq), sent_total = sent_total + @sent,
             rejected_total = rejected_total + @rejected, last_success_at = @now, last_attempt_at = @now, updated_at = @now,
             attempts = CASE WHEN @complete THEN 0 ELSE attempts END,
             next_attempt_at = CASE WHEN @complete THEN 0 ELSE next_attempt_at END
           WHERE destination = @destination`,
        )
        .run({ destination, toSeq: a.toSeq, sent: a.count - a.rejected.length, rejected: a.rejected.length, now, complete: a.complete ? 1 : 0 });
      const ins = this.db.prepare('INSERT OR REPLACE INTO siem_rejected (destination, seq, event_id, reason, at) VALUES (?, ?, ?, ?, ?)');
      for (const r of a.rejected) ins.run(destination, r.seq, r.eventId, r.reason, r.at);
      if (a.rejected.length > 0) {
        this.db
          .prepare('DELETE FROM siem_rejected WHERE destination = ? AND seq NOT IN (SELECT seq FROM siem_rejected WHERE destination = ? ORDER BY seq DESC LIMIT ?)')
          .run(destination, destination, REJECTED_KEPT);
      }
    });
    tx.immediate();
  }

  /** A failed attempt: counts it and schedules the next one. `error` must already be scrubbed of secrets. */
  recordFailure(destination: string, error: string, nextAttemptAt: number, now = Date.now()): OutboxState {
    this.db
      .prepare(
        `UPDATE siem_outbox SET attempts = attempts + 1, last_error = ?, last_error_at = ?, last_attempt_at = ?,
           next_attempt_at = ?, updated_at = ? WHERE destination = ?`,
      )
      .run(error.slice(0, 2000), now, now, nextAttemptAt, now, destination);
    return this.get(destination)!;
  }

  /** A pause asked for by the destination (Retry-After) or a backoff, without counting a failure. */
  scheduleNext(destination: string, nextAttemptAt: number): void {
    this.db.prepare('UPDATE siem_outbox SET next_attempt_at = ? WHERE destination = ?').run(nextAttemptAt, destination);
  }

  /**
   * Skips events (cap reached): moves the cursor from exactly `drop.fromSeq - 1` to
   * `drop.toSeq` and counts them. Returns false if the cursor moved meanwhile (another
   * process got there first), so a drop is never counted twice.
   */
  recordDrop(destination: string, drop: DropRecord): boolean {
    const r = this.db
      .prepare(
        `UPDATE siem_outbox SET last_acked_seq = ?, dropped_total = dropped_total + ?, last_drop = ?, updated_at = ?
         WHERE destination = ? AND last_acked_seq = ?`,
      )
      .run(drop.toSeq, drop.count, JSON.stringify(drop), drop.at, destination, drop.fromSeq - 1);
    return r.changes === 1;
  }

  rejected(destination: string, limit = 10): RejectedEvent[] {
    return (
      this.db
        .prepare('SELECT seq, event_id AS eventId, reason, at FROM siem_rejected WHERE destination = ? ORDER BY seq DESC LIMIT ?')
        .all(destination, limit) as RejectedEvent[]
    );
  }
}

function toState(r: Row): OutboxState {
  return {
    destination: r.destination,
    lastAckedSeq: r.last_acked_seq,
    lastSuccessAt: r.last_success_at ?? undefined,
    lastAttemptAt: r.last_attempt_at ?? undefined,
    lastError: r.last_error ?? undefined,
    lastErrorAt: r.last_error_at ?? undefined,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    sentTotal: r.sent_total,
    droppedTotal: r.dropped_total,
    lastDrop: r.last_drop ? (JSON.parse(r.last_drop) as DropRecord) : undefined,
    rejectedTotal: r.rejected_total,
  };
}
