import type { Database } from 'better-sqlite3';
import { describeTarget, type Destination, type DestinationType } from './config.js';
import { Outbox, type DropRecord, type RejectedEvent } from './outbox.js';

/**
 * Per-destination delivery status, computed from the database alone, so `belay siem
 * status` works whether or not the guard is running; the running forwarder adds what
 * only it knows (events in flight).
 */
export interface DestinationStatus {
  name: string;
  type: DestinationType;
  target: string;
  enabled: boolean;
  /** Seq of the last event the destination acknowledged. */
  lastAckedSeq: number;
  headSeq: number;
  /** Events written but not yet acknowledged. */
  lagEvents: number;
  /** Age of the oldest unacknowledged event (0 when caught up). */
  lagSeconds: number;
  /** Events the forwarder still has to send (same as lagEvents; kept for the dashboard). */
  queued: number;
  /** Events in the batch being sent right now (only when the forwarder runs in this process). */
  inFlight?: number;
  lastSuccessAt?: string;
  lastAttemptAt?: string;
  /** The last error and when; `failing` says whether it is still current. */
  lastError?: string;
  lastErrorAt?: string;
  failing: boolean;
  /** Consecutive failed attempts. */
  attempts: number;
  nextAttemptAt?: string;
  sentTotal: number;
  droppedTotal: number;
  lastDrop?: DropRecord;
  rejectedTotal: number;
  recentRejected: RejectedEvent[];
  /** Things a person should know: drops, rejections, TLS verification off, failing. */
  warnings: string[];
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);

export function readDestinationStatus(db: Database, destinations: Destination[], now = Date.now()): DestinationStatus[] {
  const outbox = new Outbox(db);
  const head = outbox.headSeq();
  return destinations.map((d) => {
    const s = outbox.get(d.name);
    const cursor = s?.lastAckedSeq ?? (d.startAt === 'beginning' ? 0 : head);
    const lag = Math.max(0, head - cursor);
    let lagSeconds = 0;
    if (lag > 0) {
      const oldest = db.prepare('SELECT time FROM events WHERE seq > ? ORDER BY seq LIMIT 1').get(cursor) as { time: string } | undefined;
      if (oldest) lagSeconds = Math.max(0, Math.round((now - Date.parse(oldest.time)) / 1000));
    }
    const failing = !!s && s.attempts > 0;
    const warnings: string[] = [];
    if (s && s.droppedTotal > 0) {
      const last = s.lastDrop;
      warnings.push(
        `${s.droppedTotal} event(s) were never forwarded (outbox cap reached, or removed by retention first)${last ? ` (last: ${last.count} event(s), seq ${last.fromSeq}–${last.toSeq}, ${last.reason}, ${iso(last.at)})` : ''}; see the siem.dropped events in the log.`,
      );
    }
    if (s && s.rejectedTotal > 0) warnings.push(`${s.rejectedTotal} event(s) were refused for good by the destination and skipped (see recent rejections).`);
    if (!d.tls.verify) warnings.push('TLS certificate verification is OFF for this destination.');
    if (failing) warnings.push(`Delivery is failing (${s.attempts} attempt(s)): ${s.lastError ?? 'unknown error'}`);
    if (!d.enabled && lag > 0) warnings.push('Disabled: events are piling up and will be sent when it is enabled again (within the cap).');
    return {
      name: d.name,
      type: d.type,
      target: describeTarget(d),
      enabled: d.enabled,
      lastAckedSeq: cursor,
      headSeq: head,
      lagEvents: lag,
      lagSeconds,
      queued: lag,
      lastSuccessAt: iso(s?.lastSuccessAt),
      lastAttemptAt: iso(s?.lastAttemptAt),
      lastError: s?.lastError,
      lastErrorAt: iso(s?.lastErrorAt),
      failing,
      attempts: s?.attempts ?? 0,
      nextAttemptAt: s && s.nextAttemptAt > now ? iso(s.nextAttemptAt) : undefined,
      sentTotal: s?.sentTotal ?? 0,
      droppedTotal: s?.droppedTotal ?? 0,
      lastDrop: s?.lastDrop,
      rejectedTotal: s?.rejectedTotal ?? 0,
      recentRejected: s ? outbox.rejected(d.name, 5) : [],
      warnings,
    };
  });
}
