import type { Database } from 'better-sqlite3';
import { clearUsageDays } from '../audit/usage-days.js';
import { siemDroppedEvent } from './dropped-event.js';
import { Outbox } from './outbox.js';
import type { AuditLogPort } from './types.js';

/**
 * Retention for the audit log: removes the oldest events past an age or once the
 * database holds more than a size, without breaking the hash chain and without ever
 * deleting an event a SIEM destination has not received unless that is recorded.
 *
 * - The prune point is kept in audit_chain.base_seq/base_hash (the seq and hash of the
 *   last removed event), which `belay log verify` starts from, so the rest still verifies.
 * - The newest event is never removed: the writer continues the chain from it.
 * - Before anything is deleted, a `system` event (data.event = "audit.pruned") says what
 *   goes, and for every destination whose cursor is behind the prune point a
 *   `siem.dropped` event (reason "retention") says how many of its unsent events go; the
 *   cursor then moves past them and the count shows in `belay siem status`. Written
 *   first, so a crash mid-way over-reports rather than forgets.
 */

export interface PruneOptions {
  /** Remove events older than this many days. */
  maxDays?: number;
  /** Remove the oldest events until the database's used pages are below ~90% of this. */
  maxBytes?: number;
  now?: number;
  /** Rows deleted per transaction, so writers in other processes are not held off for long. */
  chunk?: number;
}

export interface PruneResult {
  pruned: number;
  /** The new chain base: seq and hash of the last removed event (undefined when nothing was pruned). */
  base?: { seq: number; hash: string };
  /** Per destination, events removed before they were forwarded. */
  unforwarded: { destination: string; count: number }[];
}

export interface PrunableLog extends AuditLogPort {
  readonly db: Database;
}

export function pruneEvents(log: PrunableLog, opts: PruneOptions): PruneResult {
  const db = log.db;
  const now = opts.now ?? Date.now();
  const bounds = db.prepare('SELECT min(seq) AS first, max(seq) AS last, count(*) AS n FROM events').get() as { first: number | null; last: number | null; n: number };
  if (bounds.first === null || bounds.last === null) return { pruned: 0, unforwarded: [] };

  let upTo = bounds.first - 1;
  if (opts.maxDays !== undefined) {
    const cutoff = new Date(now - opts.maxDays * 86_400_000).toISOString();
    const keep = db.prepare('SELECT min(seq) AS s FROM events WHERE time >= ?').get(cutoff) as { s: number | null };
    upTo = Math.max(upTo, (keep.s ?? bounds.last + 1) - 1);
  }
  if (opts.maxBytes !== undefined) {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const used = (Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }))) * pageSize;
    if (used > opts.maxBytes && bounds.n > 0) {
      const perEvent = used / bounds.n;
      const remove = Math.ceil((used - opts.maxBytes * 0.9) / perEvent);
      upTo = Math.max(upTo, bounds.first - 1 + remove);
    }
  }
  upTo = Math.min(upTo, bounds.last - 1);
  if (upTo < bounds.first) return { pruned: 0, unforwarded: [] };

  const outbox = new Outbox(db);
  const behind = outbox.all().filter((s) => s.lastAckedSeq < upTo);
  const unforwarded = behind.map((s) => ({ destination: s.destination, fromSeq: s.lastAckedSeq + 1, count: upTo - s.lastAckedSeq }));
  const total = upTo - bounds.first + 1;

  log.append({
    type: 'system',
    protocol: 'belay',
    transport: 'internal',
    client: 'belay',
    decision: 'allow',
    error: unforwarded.length ? `Retention removed events not yet forwarded to: ${unforwarded.map((u) => `${u.destination} (${u.count})`).join(', ')}.` : undefined,
    data: { event: 'audit.pruned', count: total, fromSeq: bounds.first, toSeq: upTo, maxDays: opts.maxDays, maxBytes: opts.maxBytes, unforwarded },
  });
  for (const u of unforwarded) {
    const drop = { fromSeq: u.fromSeq, toSeq: upTo, count: u.count, reason: 'retention' as const };
    log.append(siemDroppedEvent(u.destination, drop, `${u.count} event(s) (seq ${u.fromSeq}–${upTo}) were removed by retention before they were forwarded to SIEM destination "${u.destination}".`));
  }
  log.flush();
  for (const u of unforwarded) {
    outbox.recordDrop(u.destination, { fromSeq: u.fromSeq, toSeq: upTo, count: u.count, reason: 'retention', at: now });
  }

  const chunk = opts.chunk ?? 10_000;
  const anchorOf = db.prepare('SELECT seq, hash FROM events WHERE seq = ?');
  const del = db.prepare('DELETE FROM events WHERE seq >= ? AND seq <= ?');
  const setBase = db.prepare('UPDATE audit_chain SET base_seq = ?, base_hash = ? WHERE id = 1');
  let base: { seq: number; hash: string } | undefined;
  let pruned = 0;
  for (let from = bounds.first; from <= upTo; from += chunk) {
    const to = Math.min(upTo, from + chunk - 1);
    const step = db.transaction(() => {
      const anchor = anchorOf.get(to) as { seq: number; hash: string } | undefined;
      if (!anchor) throw new Error(`retention: event ${to} is missing; the log may have been tampered with (run \`belay log verify\`). Nothing more was removed.`);
      pruned += del.run(from, to).changes;
      clearUsageDays(db); // the usage view's kept totals counted what was just removed
      if (setBase.run(anchor.seq, anchor.hash).changes !== 1) throw new Error('retention: the audit_chain row is missing, so the prune point could not be recorded; nothing was removed.');
      base = anchor;
    });
    step.immediate();
  }
  return { pruned, base, unforwarded: unforwarded.map(({ destination, count }) => ({ destination, count })) };
}
