import type { AuditEvent } from '../../shared/events.js';
import { neutralise } from '../approvals/neutralise.js';
import type { Database } from './database.js';
import { buildQuery, type EventQuery } from './query.js';
import { rowToEvent, type EventRow } from './rows.js';

/**
 * `belay log tail`: the last N events, then (with follow) every new one as it is
 * committed by any process. Reads the database directly by seq, so it works whether
 * the guard runs or not. The renderer is a parameter so a timeline view can replace
 * the one-line list.
 */
export type TailRenderer = (events: AuditEvent[]) => string[];

export const renderLines: TailRenderer = (events) => events.map(formatEventLine);
export const renderJson: TailRenderer = (events) => events.map((e) => JSON.stringify(e));

/** "2026-01-02 03:04:05.006Z  cursor  llm.request  openai gpt-4o  200  allow  120ms" */
export function formatEventLine(e: AuditEvent): string {
  const where = [e.provider ?? e.server ?? e.host, e.tool ?? e.model ?? (e.host ? e.path : undefined)].filter(Boolean).join(' ');
  const decision = e.decision === 'allow' ? 'allow' : e.decision.toUpperCase();
  const by = e.decidedBy && e.decision !== 'allow' ? `(${e.decidedBy})` : '';
  const cols = [
    e.time.replace('T', ' '),
    pad(e.client, 14),
    pad(e.type, 17),
    pad(where || e.path || '-', 34),
    pad(e.status !== undefined ? String(e.status) : '-', 3),
    pad(`${decision}${by}`, 10),
    e.latencyMs !== undefined ? `${Math.round(e.latencyMs)}ms` : '-',
  ];
  if (e.error) cols.push(`error: ${oneLine(e.error)}`);
  return cols.join('  ').trimEnd();
}

function pad(s: string, n: number): string {
  const t = oneLine(s);
  return t.length > n ? `${t.slice(0, n - 1)}…` : t.padEnd(n);
}

/**
 * Untrusted text must not drive the user's terminal: escape sequences and control
 * characters go, bidi overrides and invisible characters are shown as \u{…} (a tool name
 * must not be able to reverse or hide what the line says), one line per event.
 */
function oneLine(s: string): string {
  return neutralise(s, 4000).replace(/[\r\n\t]+/g, ' ');
}

export interface TailOptions {
  lines: number;
  filter: Pick<EventQuery, 'client' | 'type'>;
  follow: boolean;
  render: TailRenderer;
  write: (line: string) => void;
  /** How often follow looks for new rows (default 300 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

export async function tail(db: Database, opts: TailOptions): Promise<void> {
  const maxSeq = () => (db.prepare('SELECT max(seq) AS seq FROM events').get() as { seq: number | null }).seq ?? 0;
  let seq = maxSeq();
  const last = opts.lines > 0 ? queryRows(db, { ...opts.filter, beforeSeq: seq + 1, limit: opts.lines, order: 'newest' }).reverse() : [];
  for (const line of opts.render(last)) opts.write(line);
  if (!opts.follow) return;
  while (!opts.signal?.aborted) {
    // The head is read before the query, so a row committed in between is never skipped.
    const head = maxSeq();
    const fresh = queryRows(db, { ...opts.filter, afterSeq: seq, limit: 1000, order: 'oldest' });
    if (fresh.length > 0) {
      for (const line of opts.render(fresh)) opts.write(line);
      seq = fresh[fresh.length - 1].seq;
      if (fresh.length === 1000) continue;
    }
    // Rows that did not match the filter still move the cursor forward.
    seq = Math.max(seq, head);
    await sleep(opts.pollMs ?? 300, opts.signal);
  }
}

function queryRows(db: Database, q: EventQuery): AuditEvent[] {
  const { sql, params } = buildQuery(q);
  return (db.prepare(sql).all(params) as EventRow[]).map(rowToEvent);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
