import { EventEmitter } from 'node:events';
import type { AuditEvent, NewAuditEvent } from '../../shared/events.js';
import { GENESIS_HASH, canonicalJson, chainHash } from './canonical.js';
import { DatabaseError, describeSqliteError, openDatabase, type Database } from './database.js';
import { buildQuery, type EventQuery } from './query.js';
import { redactText, redactUrl, scrubEventData } from './redact.js';
import { INSERT_EVENT_SQL, eventToParams, rowToEvent, type EventRow } from './rows.js';
import { ulid } from './ulid.js';

export type { EventQuery } from './query.js';

export interface AuditLogOptions {
  nativeBinding?: string;
  /** Longest an appended event waits before its batch is committed (default 50 ms). */
  batchMs?: number;
  /** A batch is committed as soon as this many events are waiting (default 500). */
  batchSize?: number;
  busyTimeoutMs?: number;
  /**
   * For long-running processes (the engine, `mcp-wrap` relays): once the database is open
   * (migrations wait the full busy timeout), every write on this connection waits at most
   * this long for another process's lock. SQLite's wait blocks the event loop, so the full
   * 5 s would freeze all traffic; a write that gives up is retried by its owner (the audit
   * batch by its timer, the anomaly monitor on its next tick).
   */
  eventLoopBusyTimeoutMs?: number;
  /**
   * Events kept in memory while the database cannot be written (disk full, locked for
   * longer than the busy timeout). Past this bound the oldest are dropped and counted,
   * and an `audit.dropped` system event is written once writing works again. Default 100 000.
   */
  maxPending?: number;
  /** Called on every failed write (the events stay queued and are retried). */
  onError?: (err: Error, info: { pending: number; dropped: number }) => void;
}

export interface AuditStats {
  count: number;
  firstTime?: string;
  lastTime?: string;
  head: { seq: number; hash: string };
  /** Events appended in this process and not yet committed. */
  pending: number;
  /** Events this process had to drop because the database stayed unwritable. */
  dropped: number;
}

interface Pending {
  /** Everything but seq and the chain fields, already scrubbed. */
  event: Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;
  dataJson: string;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
/**
 * How long a write on the event loop waits for another process's lock. SQLite's wait
 * blocks the event loop, that is every proxied request, approval and dashboard call, so it
 * is kept short: other writers (the `mcp-wrap` relays, the CLI) hold the lock for
 * milliseconds, and a longer lock is waited out by the retry timer without blocking
 * anything. Long-running processes pass it as `eventLoopBusyTimeoutMs`; one-shot CLI
 * commands keep the full busy timeout.
 */
export const EVENT_LOOP_BUSY_TIMEOUT_MS = 250;

/**
 * The audit log. append() only queues (the proxy never waits on disk); batches are
 * committed by a timer in one transaction. seq, prevHash and hash are computed inside
 * that BEGIN IMMEDIATE transaction from the row currently at the head, so several
 * processes appending to the same file still produce one linear chain.
 */
export class AuditLog {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private retryDelay = 0;
  private dropped = 0;
  private droppedReported = 0;
  private closed = false;
  private readonly emitter = new EventEmitter();
  private readonly insert;
  private readonly headStmt;
  private readonly sinceStmt;
  private readonly saveHead;
  private readonly batchMs: number;
  private readonly batchSize: number;
  private readonly maxPending: number;

  private constructor(
    readonly db: Database,
    readonly file: string,
    private readonly opts: AuditLogOptions,
  ) {
    this.batchMs = opts.batchMs ?? 50;
    if (opts.eventLoopBusyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${opts.eventLoopBusyTimeoutMs}`);
    this.batchSize = opts.batchSize ?? 500;
    this.maxPending = opts.maxPending ?? 100_000;
    this.insert = db.prepare(INSERT_EVENT_SQL);
    this.headStmt = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
    // Prepared once: the anomaly monitor calls readSince for every slice of its tail (compiling
    // the statement each time was 8 % of its reads, bench/RESULTS.md item 24).
    this.sinceStmt = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.saveHead = db.prepare('INSERT INTO audit_chain (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
    // Listeners are optional; an unhandled 'error' must not throw out of a timer.
    this.emitter.on('error', () => {});
    if (opts.onError) this.emitter.on('error', opts.onError);
  }

  static open(dbPath: string, opts: AuditLogOptions = {}): AuditLog {
    const db = openDatabase(dbPath, { nativeBinding: opts.nativeBinding, busyTimeoutMs: opts.busyTimeoutMs });
    return new AuditLog(db, dbPath, opts);
  }

  /** Queues an event and returns its id at once; it is committed within batchMs. */
  append(e: NewAuditEvent): { id: string } {
    if (this.closed) throw new Error('The audit log is closed; the event was not recorded.');
    // A bad event is refused here, at the producer, so it can never block a batch later.
    validate(e);
    // Times outside 0000-9999 would not sort as ISO text; such a startedAt is a producer bug.
    const started = typeof e.startedAt === 'number' && e.startedAt >= 0 && e.startedAt <= MAX_TIME ? e.startedAt : Date.now();
    const id = ulid(started);
    const { data, json: dataJson } = capData(scrubEventData(e.data));
    const links = e.links?.filter((l) => typeof l === 'string' && l.length > 0);
    const event: Pending['event'] = {
      id,
      time: new Date(started).toISOString(),
      type: e.type,
      protocol: e.protocol,
      transport: e.transport,
      client: e.client,
      provider: clean(e.provider),
      server: clean(e.server),
      tool: clean(e.tool),
      model: clean(e.model),
      method: clean(e.method),
      host: clean(e.host),
      path: e.path === undefined || e.path === null || e.path === '' ? undefined : redactUrl(String(e.path)),
      status: num(e.status),
      latencyMs: num(e.latencyMs),
      bytesIn: num(e.bytesIn),
      bytesOut: num(e.bytesOut),
      decision: e.decision ?? 'allow',
      decidedBy: clean(e.decidedBy) as AuditEvent['decidedBy'],
      rule: clean(e.rule),
      risk: e.risk,
      error: clean(e.error),
      session: clean(e.session),
      links: links && links.length > 0 ? links : undefined,
      data,
    };
    this.pending.push({ event, dataJson });
    this.enforceBound();
    this.schedule();
    return { id };
  }

  /**
   * Commits everything queued now. Throws a DatabaseError when the database cannot be
   * written; the events stay queued and the timer keeps retrying.
   */
  flush(): void {
    this.clearTimers();
    if (this.pending.length === 0 && this.dropped === this.droppedReported) return;
    try {
      this.writeBatch(this.pending.length);
      this.retryDelay = 0;
    } catch (err) {
      const e = this.fail(err);
      throw e;
    }
  }

  /** Flushes and closes. If the last flush fails the error is thrown after closing. */
  close(): void {
    if (this.closed) return;
    let failure: unknown;
    try {
      this.flush();
    } catch (err) {
      failure = err;
    }
    this.closed = true;
    this.clearTimers();
    this.db.close();
    if (failure) {
      throw new Error(`${(failure as Error).message} ${this.pending.length} event(s) could not be written before closing.`, { cause: failure });
    }
  }

  /** Live listener for events committed by this process (after the commit). */
  subscribe(fn: (e: AuditEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  /** Listener for write failures (also given as options.onError). */
  onError(fn: (err: Error, info: { pending: number; dropped: number }) => void): () => void {
    this.emitter.on('error', fn);
    return () => this.emitter.off('error', fn);
  }

  /** Newest first, filtered; events from every process writing this file. */
  query(q: EventQuery = {}): AuditEvent[] {
    const { sql, params } = buildQuery(q);
    return (this.db.prepare(sql).all(params) as EventRow[]).map(rowToEvent);
  }

  get(id: string): AuditEvent | undefined {
    const row = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined;
    return row ? rowToEvent(row) : undefined;
  }

  /** Events with seq > `seq`, oldest first: how followers (tail -f, SSE, SIEM) catch up. */
  readSince(seq: number, limit: number): AuditEvent[] {
    const rows = this.sinceStmt.all(seq, Math.max(0, Math.floor(limit))) as EventRow[];
    return rows.map(rowToEvent);
  }

  /** Cheap on any size: seqs are gap-free, so the count is the seq range (no full scan). */
  stats(): AuditStats {
    const c = this.db.prepare('SELECT min(seq) AS first, max(seq) AS last, min(time) AS firstTime, max(time) AS lastTime FROM events').get() as {
      first: number | null;
      last: number | null;
      firstTime: string | null;
      lastTime: string | null;
    };
    const head = (this.headStmt.get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
    return {
      count: c.first === null || c.last === null ? 0 : c.last - c.first + 1,
      firstTime: c.firstTime ?? undefined,
      lastTime: c.lastTime ?? undefined,
      head,
      pending: this.pending.length,
      dropped: this.dropped,
    };
  }

  private writeBatch(n: number): void {
    const batch = this.pending.slice(0, n);
    const droppedNow = this.dropped - this.droppedReported;
    if (droppedNow > 0) batch.push(droppedNotice(droppedNow));
    const committed: AuditEvent[] = [];
    // The full events are built only for live listeners (in the engine, the anomaly monitor's tail).
    const listening = this.emitter.listenerCount('event') > 0;
    const write = this.db.transaction(() => {
      const head = (this.headStmt.get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH };
      let seq = head.seq;
      let prevHash = head.hash;
      for (const p of batch) {
        seq += 1;
        const chain = { seq, prevHash, hash: chainHash(prevHash, p.event, p.dataJson) };
        this.insert.run(eventToParams(p.event, chain, p.dataJson));
        if (listening) committed.push({ ...p.event, ...chain } as AuditEvent);
        prevHash = chain.hash;
      }
      this.saveHead.run(seq, prevHash);
    });
    try {
      write.immediate();
    } catch (err) {
      throw describeSqliteError(err, this.file, 'write to');
    }
    this.pending.splice(0, n);
    this.droppedReported += droppedNow;
    for (const e of committed) {
      for (const fn of this.emitter.listeners('event') as ((e: AuditEvent) => void)[]) {
        try {
          fn(e);
        } catch (err) {
          // A listener's bug must not undo a commit or stop other listeners.
          this.emitter.emit('error', new Error(`An audit subscriber failed: ${(err as Error).message}`, { cause: err }), this.info());
        }
      }
    }
  }

  private schedule(): void {
    if (this.retryDelay > 0) return; // a retry is already waiting
    if (this.pending.length >= this.batchSize) {
      if (!this.immediate) this.immediate = setImmediate(() => this.tick());
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.tick(), this.batchMs);
    }
  }

  private tick(): void {
    this.clearTimers();
    if (this.closed) return;
    try {
      this.writeBatch(Math.min(this.pending.length, this.batchSize * 4));
      this.retryDelay = 0;
      if (this.pending.length > 0) this.schedule();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Reports a failed write and schedules a retry with backoff; nothing is dropped here. */
  private fail(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    this.retryDelay = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retryDelay * 2));
    this.emitter.emit('error', e, this.info());
    if (!this.closed) {
      // Unref'd: a stuck database must not keep a finished process alive; close() reports what is lost.
      this.timer = setTimeout(() => this.tick(), this.retryDelay).unref();
    }
    return e;
  }

  private enforceBound(): void {
    const over = this.pending.length - this.maxPending;
    if (over <= 0) return;
    this.pending.splice(0, over);
    this.dropped += over;
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private info(): { pending: number; dropped: number } {
    return { pending: this.pending.length, dropped: this.dropped };
  }
}

const DECISIONS = new Set(['allow', 'ask', 'deny', 'redact']);
const RISKS = new Set(['none', 'low', 'medium', 'high', 'critical']);
/** 9999-12-31T23:59:59.999Z */
const MAX_TIME = 253_402_300_799_999;

function validate(e: NewAuditEvent): void {
  if (e === null || typeof e !== 'object') throw new TypeError('AuditLog.append: the event must be an object.');
  for (const f of ['type', 'protocol', 'transport', 'client'] as const) {
    if (typeof e[f] !== 'string' || e[f].length === 0) {
      throw new TypeError(`AuditLog.append: "${f}" must be a non-empty string (got ${JSON.stringify(e[f]) ?? 'undefined'}); the event was not recorded.`);
    }
  }
  if (e.decision !== undefined && !DECISIONS.has(e.decision)) {
    throw new TypeError(`AuditLog.append: "decision" must be allow, ask, deny or redact (got ${JSON.stringify(e.decision)}); the event was not recorded.`);
  }
  if (e.risk !== undefined && !RISKS.has(e.risk)) {
    throw new TypeError(`AuditLog.append: "risk" must be none, low, medium, high or critical (got ${JSON.stringify(e.risk)}); the event was not recorded.`);
  }
}

/** Largest `data` kept whole (as JSON characters); members past their share are summarised. */
export const MAX_DATA_CHARS = 256 * 1024;
const MAX_MEMBER_CHARS = 32 * 1024;

/**
 * Keeps one event from bloating the log (a tool argument holding a whole file): when
 * `data` is too large, its biggest top-level members are replaced by a note of their
 * size, and if that is not enough the whole of it is.
 */
function capData(data: Record<string, unknown>): { data: Record<string, unknown>; json: string } {
  const json = canonicalJson(data);
  if (json.length <= MAX_DATA_CHARS) return { data, json };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    const n = canonicalJson(v).length;
    out[k] = n > MAX_MEMBER_CHARS ? `[omitted: ${n} characters]` : v;
  }
  const outJson = canonicalJson(out);
  if (outJson.length <= MAX_DATA_CHARS) return { data: out, json: outJson };
  const note = { omitted: `[data omitted: ${json.length} characters]` };
  return { data: note, json: canonicalJson(note) };
}

function droppedNotice(count: number): Pending {
  const data = { reason: 'audit database unwritable', dropped: count };
  return {
    event: {
      id: ulid(),
      time: new Date().toISOString(),
      type: 'system',
      protocol: 'belay',
      transport: 'internal',
      client: 'belay',
      decision: 'allow',
      error: `${count} audit event(s) were dropped because the database could not be written for too long.`,
      data: { ...data, event: 'audit.dropped' },
    },
    dataJson: canonicalJson({ ...data, event: 'audit.dropped' }),
  };
}

/** Optional text fields: scrubbed; empty means absent (so every export format round-trips it). */
function clean(s: string | undefined): string | undefined {
  if (s === undefined || s === null || s === '') return undefined;
  return redactText(String(s));
}

function num(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export { DatabaseError };
