import type { Database } from 'better-sqlite3';
import type { AuditEvent } from '../../shared/events.js';
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { enforceCap } from './cap.js';
import type { Destination } from './config.js';
import type { Outbox } from './outbox.js';
import { scrubSecrets, type DestinationSecrets } from './secrets.js';
import type { AuditLogPort, EventSender, SendResult } from './types.js';

/**
 * One destination's delivery loop: read events after the cursor, wait until the batch is
 * full (events or bytes) or its oldest event has waited maxDelayMs, send, and move the
 * cursor past exactly what the destination acknowledged. Failures back off
 * exponentially with jitter; the retry state is in the database, so a restart (or a
 * kill -9) resumes from the last acknowledged event and honours the pending backoff.
 */

export interface WorkerOptions {
  db: Database;
  audit: AuditLogPort;
  outbox: Outbox;
  dest: Destination;
  secrets: DestinationSecrets | undefined;
  sender: EventSender;
  /** How often to look for events other processes wrote (default 500 ms). */
  pollMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  log?: (message: string) => void;
}

export interface WorkerLive {
  /** Events in the batch being sent right now. */
  inFlight: number;
  running: boolean;
}

export class DestinationWorker {
  private stopping = false;
  private flushOnce = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private abort = new AbortController();
  private pendingSince: number | undefined;
  private inFlight = 0;
  private readonly pollMs: number;

  constructor(private readonly o: WorkerOptions) {
    this.pollMs = o.pollMs ?? 500;
  }

  get name(): string {
    return this.o.dest.name;
  }

  start(): void {
    if (this.loop) return;
    this.o.outbox.ensure(this.o.dest.name, this.o.dest.startAt);
    this.loop = this.run().catch((err: unknown) => {
      this.log(`SIEM worker "${this.name}" stopped on an unexpected error: ${this.scrub(String((err as Error)?.message ?? err))}`);
    });
  }

  /** New events are there: skip the rest of the poll wait. */
  wake(): void {
    this.wakeUp?.();
  }

  live(): WorkerLive {
    return { inFlight: this.inFlight, running: !!this.loop && !this.stopping };
  }

  /**
   * Stops after one last send of whatever is waiting (unless the destination is in
   * backoff), bounded by the deadline; an unfinished send is cancelled and its events stay
   * unacknowledged, to be sent again on the next start.
   */
  async stop(deadlineMs = 5000): Promise<void> {
    if (!this.loop) return;
    this.flushOnce = true;
    this.stopping = true;
    this.wake();
    const timer = setTimeout(() => this.abort.abort(), deadlineMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(timer);
      this.loop = undefined;
      await this.o.sender.close().catch((err: unknown) => this.log(`SIEM "${this.name}": closing the connection failed: ${this.scrub(String(err))}`));
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping || this.flushOnce) {
      const wait = this.step();
      if (wait === 'send') {
        await this.sendBatch();
        if (this.stopping) this.flushOnce = false;
        continue;
      }
      if (this.stopping) break;
      await this.sleep(wait);
    }
  }

  /** Decides what to do now: 'send', or how long to wait. Cheap when idle. */
  private step(): 'send' | number {
    const { outbox, dest } = this.o;
    const now = Date.now();
    const state = outbox.get(dest.name) ?? outbox.ensure(dest.name, dest.startAt);
    if (state.nextAttemptAt > now) {
      this.flushOnce = false;
      return Math.min(state.nextAttemptAt - now, this.pollMs);
    }
    try {
      const drop = enforceCap(this.o.db, outbox, this.o.audit, dest, now);
      if (drop) this.log(`SIEM "${dest.name}": ${drop.count} unsent event(s) (seq ${drop.fromSeq}–${drop.toSeq}) dropped by the cap (${drop.reason}); recorded as siem.dropped.`);
    } catch (err) {
      this.log(`SIEM "${dest.name}": could not apply the cap: ${(err as Error).message}`);
    }
    const cursor = outbox.get(dest.name)!.lastAckedSeq;
    const waiting = outbox.headSeq() - cursor;
    if (waiting <= 0) {
      this.pendingSince = undefined;
      this.flushOnce = false;
      return this.pollMs;
    }
    this.pendingSince ??= now;
    if (this.flushOnce || waiting >= dest.batch.maxEvents) return 'send';
    const waited = now - this.pendingSince;
    if (waited >= dest.batch.maxDelayMs) return 'send';
    return Math.min(dest.batch.maxDelayMs - waited, this.pollMs);
  }

  /** The next batch: up to maxEvents after the cursor, cut at maxBytes (one event always goes, however large). */
  private nextBatch(): AuditEvent[] {
    const { outbox, dest, audit } = this.o;
    const events = audit.readSince(outbox.get(dest.name)!.lastAckedSeq, dest.batch.maxEvents);
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      bytes += approxSize(events[i]);
      if (bytes > dest.batch.maxBytes && i > 0) return events.slice(0, i);
    }
    return events;
  }

  private async sendBatch(): Promise<void> {
    const { outbox, dest } = this.o;
    const batch = this.nextBatch();
    if (batch.length === 0) return;
    this.inFlight = batch.length;
    let result: SendResult;
    try {
      result = await this.o.sender.send(batch, this.abort.signal);
    } catch (err) {
      result = { acked: 0, error: (err as Error)?.message ?? String(err) };
    } finally {
      this.inFlight = 0;
    }
    const acked = Math.max(0, Math.min(result.acked, batch.length));
    const now = Date.now();
    if (acked > 0) {
      const rejected = (result.permanentErrors ?? [])
        .filter((p) => p.index < acked)
        .map((p) => ({ seq: batch[p.index].seq, eventId: batch[p.index].id, reason: this.scrub(p.reason), at: now }));
      outbox.recordAck(dest.name, { toSeq: batch[acked - 1].seq, count: acked, rejected, complete: acked === batch.length }, now);
      if (rejected.length > 0) this.log(`SIEM "${dest.name}": ${rejected.length} event(s) refused for good and skipped (first: ${rejected[0].reason}).`);
    }
    if (acked === batch.length) {
      this.pendingSince = undefined;
      return;
    }
    // Cancelled by stop(): not the destination's fault, so no failure and no backoff.
    if (this.abort.signal.aborted) return;
    const error = this.scrub(result.error ?? `the destination accepted ${acked} of ${batch.length} event(s)`);
    const attempts = (outbox.get(dest.name)?.attempts ?? 0) + 1;
    const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(attempts, this.o.backoff ?? DEFAULT_BACKOFF, this.o.random));
    outbox.recordFailure(dest.name, error, now + delay, now);
    this.log(`SIEM "${dest.name}": ${error} (attempt ${attempts}; next try in ${Math.round(delay / 1000)} s)`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const t = setTimeout(done, Math.max(1, ms));
      this.wakeUp = done;
    });
  }

  private scrub(text: string): string {
    return scrubSecrets(text, this.o.secrets);
  }

  private log(message: string): void {
    (this.o.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(message);
  }
}

/** Bytes an event takes on the wire, near enough for batching (every format is JSON-ish text). */
function approxSize(e: AuditEvent): number {
  return Buffer.byteLength(JSON.stringify(e)) + 200;
}
