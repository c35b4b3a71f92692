import type { AuditEvent } from '../../shared/events.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AlertStore } from './alert-store.js';
import type { AnomalyDetector } from './detector.js';

export interface MonitorOptions {
  /** How often the log is tailed (default 1000 ms). */
  pollMs?: number;
  /** On the very first start, history replayed silently to seed baselines (default 50 000 events). */
  seedEvents?: number;
  /** Other consumers of the same ordered feed (the broker's budget accounting). */
  onEvent?: (e: AuditEvent) => void;
  warn(message: string): void;
}

const BATCH = 2000;
/**
 * How long one slice of the timer's poll may hold the event loop. Slices are sized from the
 * last one's pace, between MIN_SLICE and MAX_SLICE events: a fixed 250 events took 9-18 ms
 * on a slow machine, long enough to show in SSE forwarding delay (bench/RESULTS.md, item
 * 16). The pace moves (reading back a batch just written can take several times longer),
 * so MAX_SLICE stays small too; a slice is one transaction, and a few dozen commits a
 * second cost little.
 */
const SLICE_BUDGET_MS = 2;
const MIN_SLICE = 8;
const MAX_SLICE = 64;
/** Most events of this process held in memory for the tail (about 1.7 s of c=16 load); past it they are read back. */
const MAX_UNREAD = 2000;

/**
 * Tails the audit log by seq (so events written by every process, `belay mcp-wrap`
 * included, are seen, and a restart resumes where it stopped) and feeds the detector.
 * The cursor is saved in the same transaction as the state the batch changed.
 *
 * Events this process commits reach the tail from memory, as committed (the audit log's
 * live feed), rather than being read back from the database they were just written to:
 * reading back was three quarters of the monitor's time (a query and a JSON parse per
 * event), and the monitor catches up on every burst of traffic while streams are being
 * forwarded (bench/RESULTS.md, item 24). The database stays the source of truth: any seq
 * not held in memory (another process's event, one committed before start, or past
 * MAX_UNREAD) is read from it.
 */
export class AnomalyMonitor {
  private timer: NodeJS.Timeout | undefined;
  private catchingUp = false;
  /** Events in the next slice, adapted to SLICE_BUDGET_MS. */
  private sliceSize = 32;
  private readonly getCursor;
  private readonly setCursor;
  /** This process's committed events past the cursor, by seq, in commit order. */
  private readonly unread = new Map<number, AuditEvent>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly audit: Pick<AuditLog, 'db' | 'readSince' | 'stats' | 'subscribe'>,
    private readonly detector: AnomalyDetector,
    private readonly alerts: Pick<AlertStore, 'sweep'>,
    private readonly opts: MonitorOptions,
  ) {
    this.getCursor = audit.db.prepare('SELECT last_seq AS seq FROM anomaly_state WHERE id = 1');
    this.setCursor = audit.db.prepare('INSERT INTO anomaly_state (id, last_seq) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET last_seq = excluded.last_seq');
  }

  start(): void {
    this.unsubscribe ??= this.audit.subscribe((e) => {
      if (this.unread.size < MAX_UNREAD) this.unread.set(e.seq, e);
    });
    this.seedIfFirstRun();
    this.timer = setInterval(() => this.catchUp(), this.opts.pollMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unread.clear();
  }

  /** Reads everything new and processes it, in one go; also closes alert windows. Returns events read. */
  poll(now = Date.now()): number {
    let total = 0;
    try {
      for (;;) {
        const read = this.readBatch(BATCH);
        total += read;
        if (read < BATCH) break;
      }
      this.alerts.sweep(now);
    } catch (err) {
      this.failed(err);
    }
    return total;
  }

  /**
   * The timer's poll: the same work in slices of about SLICE_BUDGET_MS with the event loop
   * free between them. In one go, a second of c=16 traffic (about a thousand events) held
   * the proxy's event loop for tens of milliseconds once a second, which every request in
   * flight then waited out.
   */
  private catchUp(): void {
    if (this.catchingUp) return;
    this.catchingUp = true;
    const slice = () => {
      let more = false;
      try {
        const size = this.sliceSize;
        const started = performance.now();
        const read = this.readBatch(size);
        if (read > 0) this.sliceSize = nextSliceSize(read, performance.now() - started);
        more = read === size;
        if (!more) this.alerts.sweep(Date.now());
      } catch (err) {
        this.failed(err);
      }
      if (more && this.timer) setImmediate(slice);
      else this.catchingUp = false;
    };
    slice();
  }

  /** Processes up to `limit` new events in one transaction, with the cursor and the state they changed. */
  private readBatch(limit: number): number {
    const cursor = (this.getCursor.get() as { seq: number } | undefined)?.seq ?? 0;
    const batch = this.next(cursor, limit);
    if (batch.length === 0) return 0;
    this.audit.db.transaction(() => {
      for (const e of batch) {
        // One bad event must not wedge the feed: it is reported and skipped.
        try {
          this.detector.observe(e);
          this.opts.onEvent?.(e);
        } catch (err) {
          this.opts.warn(`anomaly detection skipped event ${e.id}: ${(err as Error).message}`);
        }
      }
      this.detector.flush();
      this.setCursor.run(batch[batch.length - 1].seq);
    })();
    // Only once the cursor moved: a batch that failed is taken again, from memory.
    for (const seq of this.unread.keys()) {
      if (seq > batch[batch.length - 1].seq) break;
      this.unread.delete(seq);
    }
    return batch.length;
  }

  /**
   * Up to `limit` events after `cursor`, in seq order: the run held in memory from
   * cursor + 1, and whatever follows it read from the database (events of other
   * processes, or more than memory held).
   */
  private next(cursor: number, limit: number): AuditEvent[] {
    const batch: AuditEvent[] = [];
    for (let seq = cursor + 1; batch.length < limit; seq++) {
      const e = this.unread.get(seq);
      if (!e) break;
      batch.push(e);
    }
    if (batch.length === limit) return batch;
    const after = batch.length ? batch[batch.length - 1].seq : cursor;
    return batch.concat(this.audit.readSince(after, limit - batch.length));
  }

  private failed(err: unknown): void {
    // The batch was rolled back; what the detector cached from it is dropped with it.
    this.detector.forget();
    this.opts.warn(`anomaly detection failed (it retries on the next tick): ${(err as Error).message}`);
  }

  /** First start: learn from the recent past without alerting, then follow from the head. */
  private seedIfFirstRun(): void {
    if (this.getCursor.get()) return;
    const head = this.audit.stats().head.seq;
    const from = Math.max(0, head - (this.opts.seedEvents ?? 50_000));
    this.audit.db.transaction(() => {
      let cursor = from;
      for (;;) {
        const batch = this.audit.readSince(cursor, BATCH).filter((e) => e.seq <= head);
        for (const e of batch) this.detector.observe(e, true);
        this.detector.flush();
        if (batch.length === 0) break;
        cursor = batch[batch.length - 1].seq;
      }
      this.setCursor.run(head);
    })();
  }
}

/** Events that fit in SLICE_BUDGET_MS at the pace of the last slice (`read` events in `ms`). */
export function nextSliceSize(read: number, ms: number): number {
  const fit = Math.floor((read * SLICE_BUDGET_MS) / Math.max(ms, 0.01));
  return Math.min(MAX_SLICE, Math.max(MIN_SLICE, fit));
}
