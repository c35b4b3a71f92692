import type { EventsQuery } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';
import type { AuditLog, EventQuery } from '../audit/audit-log.js';
import type { EventsService } from './services.js';

/** Most rows scanned to satisfy filters the audit query has no column index for. */
const MAX_SCAN = 20_000;

/**
 * Adapts the audit log to the control API's EventsService. Filters the audit query
 * knows run in SQL; provider/server/risk are checked on the rows as they come, paging
 * back by seq, with a bounded scan so one request never walks the whole log.
 */
export function auditEventsService(log: Pick<AuditLog, 'query' | 'get' | 'readSince' | 'db'>): EventsService {
  // The status is read every second by each face: a count(*) over a million rows is too
  // slow for that, and seq is gap-free, so the head seq is the number of events recorded.
  const head = log.db.prepare('SELECT seq FROM events ORDER BY seq DESC LIMIT 1');
  return {
    query(q: EventsQuery): AuditEvent[] {
      const base: EventQuery = {
        limit: q.limit ?? 200,
        beforeSeq: q.beforeSeq,
        afterSeq: q.afterSeq,
        client: q.client,
        type: q.type,
        decision: q.decision,
        session: q.session,
        text: q.text,
        sinceTime: q.since,
        untilTime: q.until,
      };
      const extra = (e: AuditEvent) =>
        (q.provider === undefined || e.provider === q.provider || e.server === q.provider) &&
        (q.server === undefined || e.server === q.server) &&
        (q.risk === undefined || (e.risk ?? 'none') === q.risk);
      if (q.provider === undefined && q.server === undefined && q.risk === undefined) return log.query(base);
      const want = base.limit ?? 200;
      const out: AuditEvent[] = [];
      let scanned = 0;
      let before = q.beforeSeq;
      while (out.length < want && scanned < MAX_SCAN) {
        const page = log.query({ ...base, beforeSeq: before, limit: 1000 });
        if (page.length === 0) break;
        scanned += page.length;
        for (const e of page) if (extra(e) && out.length < want) out.push(e);
        before = page[page.length - 1].seq;
      }
      return out;
    },
    get: (id) => log.get(id),
    readSince: (seq, limit) => log.readSince(seq, limit),
    stats() {
      const seq = (head.get() as { seq: number } | undefined)?.seq ?? 0;
      return { total: seq, lastSeq: seq };
    },
  };
}
