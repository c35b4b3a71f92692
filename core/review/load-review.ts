import type { ReviewReport } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';
import type { Database } from '../audit/database.js';
import { rowToEvent, type EventRow } from '../audit/rows.js';
import { buildReview } from './build-review.js';

export const DEFAULT_REVIEW_DAYS = 7;
/** An approval can be answered up to this long before the event that records it. */
const APPROVAL_SLACK_MS = 86_400_000;

/** The review of [since, until) from the audit database; events are streamed, not loaded whole. */
export function reviewFromDatabase(db: Database, period: { since?: number; until?: number } = {}, now = Date.now()): ReviewReport {
  const until = period.until ?? now;
  const since = period.since ?? until - DEFAULT_REVIEW_DAYS * 86_400_000;
  if (since >= until) throw new Error(`The review period is empty: --since (${new Date(since).toISOString()}) is not before its end (${new Date(until).toISOString()}).`);
  // Approval outcomes first: better-sqlite3 allows no other query while iterate() is open.
  const statuses = new Map<string, string>();
  const hasApprovals = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'approvals'").get() !== undefined;
  if (hasApprovals) {
    for (const r of db.prepare('SELECT id, status FROM approvals WHERE created_at >= ? AND created_at < ?').all(since - APPROVAL_SLACK_MS, until) as { id: string; status: string }[]) {
      statuses.set(r.id, r.status);
    }
  }
  const rows = db.prepare('SELECT * FROM events WHERE time >= ? AND time < ? ORDER BY seq').iterate(new Date(since).toISOString(), new Date(until).toISOString()) as IterableIterator<EventRow>;
  function* events(): Generator<AuditEvent> {
    for (const r of rows) yield rowToEvent(r);
  }
  return buildReview(events(), { since, until }, (id) => statuses.get(id), now);
}
