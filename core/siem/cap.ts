import type { Database } from 'better-sqlite3';
import type { Destination } from './config.js';
import { siemDroppedEvent } from './dropped-event.js';
import type { DropRecord, Outbox } from './outbox.js';
import type { AuditLogPort } from './types.js';

/**
 * The outbox is bounded: when a destination has been down so long that more than
 * cap.maxEvents events wait, or the oldest waiting event is older than cap.maxAgeDays,
 * the oldest unsent events are skipped — never silently: the skip is counted in the
 * outbox row (same transaction as the cursor move), a `siem.dropped` audit event names
 * the destination, count and seq range (and is itself forwarded once the destination is
 * back), and `belay siem status` shows a warning.
 */

/**
 * Once over a limit, the skip goes down to 90% of it (hysteresis): each drop writes one
 * `siem.dropped` event, and without slack a queue sitting at the cap would drop one
 * event, log one event, and so on for every event that arrives.
 */
export const CAP_SLACK = 0.9;

/** The events the cap says to skip now, or undefined when within the cap. */
export function planDrop(db: Database, cursor: number, head: number, cap: Destination['cap'], now = Date.now()): DropRecord | undefined {
  let toSeq = cursor;
  let reason: DropRecord['reason'] = 'cap.maxEvents';
  if (cap.maxEvents !== undefined && head - cursor > cap.maxEvents) {
    toSeq = head - Math.floor(cap.maxEvents * CAP_SLACK);
  }
  if (cap.maxAgeDays !== undefined && head > cursor) {
    const tooOld = new Date(now - cap.maxAgeDays * 86_400_000).toISOString();
    const oldest = db.prepare('SELECT time FROM events WHERE seq > ? ORDER BY seq LIMIT 1').get(cursor) as { time: string } | undefined;
    if (oldest && oldest.time < tooOld) {
      const cutoff = new Date(now - cap.maxAgeDays * CAP_SLACK * 86_400_000).toISOString();
      // The first unsent event young enough to keep; everything unsent before it goes.
      const keep = db.prepare('SELECT seq FROM events WHERE seq > ? AND time >= ? ORDER BY seq LIMIT 1').get(cursor, cutoff) as { seq: number } | undefined;
      const ageTo = keep ? keep.seq - 1 : head;
      if (ageTo > toSeq) {
        toSeq = ageTo;
        reason = 'cap.maxAgeDays';
      }
    }
  }
  if (toSeq <= cursor) return undefined;
  return { fromSeq: cursor + 1, toSeq, count: toSeq - cursor, reason, at: now };
}

/**
 * Applies the cap for one destination. The `siem.dropped` event is committed first, then
 * the cursor moves: a crash in between makes the next run report the drop again (an
 * over-count), never lose the report.
 */
export function enforceCap(db: Database, outbox: Outbox, audit: AuditLogPort, dest: Destination, now = Date.now()): DropRecord | undefined {
  const state = outbox.get(dest.name);
  if (!state) return undefined;
  const drop = planDrop(db, state.lastAckedSeq, outbox.headSeq(), dest.cap, now);
  if (!drop) return undefined;
  const limit = drop.reason === 'cap.maxEvents' ? `more than ${dest.cap.maxEvents} events waiting` : `events older than ${dest.cap.maxAgeDays} day(s)`;
  audit.append(siemDroppedEvent(dest.name, drop, `${drop.count} event(s) (seq ${drop.fromSeq}–${drop.toSeq}) were not forwarded to SIEM destination "${dest.name}": ${limit} (cap).`));
  audit.flush();
  return outbox.recordDrop(dest.name, drop) ? drop : undefined;
}
