import type { Decision, EventType, Protocol } from '../../shared/events.js';

/** Filters for the dashboard's and the CLI's event lists. */
export interface EventQuery {
  /** At most this many events (default 100, capped at 10 000). */
  limit?: number;
  /** Only events older than this seq (paging backwards). */
  beforeSeq?: number;
  /** Only events with seq greater than this (catching up). */
  afterSeq?: number;
  /** Time bounds: ms since epoch or an ISO string, inclusive. */
  sinceTime?: number | string;
  untilTime?: number | string;
  client?: string;
  type?: EventType | string;
  protocol?: Protocol | string;
  decision?: Decision | string;
  session?: string;
  /** 'newest' first (default, for lists) or 'oldest' first (for catching up in order). */
  order?: 'newest' | 'oldest';
  /** Case-insensitive substring over tool, model, server, host, path, provider, client, error and data. */
  text?: string;
}

export const MAX_QUERY_LIMIT = 10_000;

/** ISO text compares in time order because every stored time is toISOString() output. */
export function isoTime(t: number | string): string {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new Error(`"${t}" is not a time (use ms since epoch or ISO 8601).`);
  return new Date(ms).toISOString();
}

/** Builds the WHERE clause shared by query() and the exports. */
export function buildWhere(q: EventQuery): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.beforeSeq !== undefined) {
    clauses.push('seq < @beforeSeq');
    params.beforeSeq = q.beforeSeq;
  }
  if (q.afterSeq !== undefined) {
    clauses.push('seq > @afterSeq');
    params.afterSeq = q.afterSeq;
  }
  if (q.sinceTime !== undefined) {
    clauses.push('time >= @sinceTime');
    params.sinceTime = isoTime(q.sinceTime);
  }
  if (q.untilTime !== undefined) {
    clauses.push('time <= @untilTime');
    params.untilTime = isoTime(q.untilTime);
  }
  for (const f of ['client', 'type', 'protocol', 'decision', 'session'] as const) {
    if (q[f] !== undefined && q[f] !== '') {
      clauses.push(`${f} = @${f}`);
      params[f] = q[f];
    }
  }
  if (q.text) {
    const cols = ['tool', 'model', 'server', 'host', 'path', 'provider', 'client', 'error', 'data'];
    clauses.push(`(${cols.map((c) => `${c} LIKE @text ESCAPE '\\'`).join(' OR ')})`);
    params.text = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function buildQuery(q: EventQuery): { sql: string; params: Record<string, unknown> } {
  const { where, params } = buildWhere(q);
  params.limit = Math.min(MAX_QUERY_LIMIT, Math.max(1, Math.floor(q.limit ?? 100)));
  return { sql: `SELECT * FROM events ${where} ORDER BY seq ${q.order === 'oldest' ? 'ASC' : 'DESC'} LIMIT @limit`, params };
}
