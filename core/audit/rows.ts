import type { AuditEvent } from '../../shared/events.js';

/** An events row as SQLite returns it (snake_case columns, JSON as text). */
export interface EventRow {
  seq: number;
  id: string;
  time: string;
  type: string;
  protocol: string;
  transport: string;
  client: string;
  provider: string | null;
  server: string | null;
  tool: string | null;
  model: string | null;
  method: string | null;
  host: string | null;
  path: string | null;
  status: number | null;
  latency_ms: number | null;
  bytes_in: number | null;
  bytes_out: number | null;
  decision: string;
  decided_by: string | null;
  rule: string | null;
  risk: string | null;
  error: string | null;
  session: string | null;
  links: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export const INSERT_EVENT_SQL = `INSERT INTO events (
  seq, id, time, type, protocol, transport, client, provider, server, tool, model, method, host, path,
  status, latency_ms, bytes_in, bytes_out, decision, decided_by, rule, risk, error, session, links, data,
  prev_hash, hash
) VALUES (${Array(28).fill('?').join(', ')})`;

/** Positional parameters for INSERT_EVENT_SQL (measurably faster than named ones). */
export function eventToParams(e: Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>, chain: Pick<AuditEvent, 'seq' | 'prevHash' | 'hash'>, dataJson: string): unknown[] {
  return [
    chain.seq, e.id, e.time, e.type, e.protocol, e.transport, e.client,
    e.provider ?? null, e.server ?? null, e.tool ?? null, e.model ?? null, e.method ?? null, e.host ?? null, e.path ?? null,
    e.status ?? null, e.latencyMs ?? null, e.bytesIn ?? null, e.bytesOut ?? null,
    e.decision, e.decidedBy ?? null, e.rule ?? null, e.risk ?? null, e.error ?? null, e.session ?? null,
    e.links && e.links.length > 0 ? JSON.stringify(e.links) : null,
    dataJson, chain.prevHash, chain.hash,
  ];
}

/** Row → AuditEvent; absent columns stay absent (not null), as the hash expects. */
export function rowToEvent(r: EventRow): AuditEvent {
  return build(r, true);
}

/**
 * Row → AuditEvent with `data` left empty, for callers that use the stored text as is
 * (verify hashes the stored canonical text directly: faster, and stricter).
 */
export function rowToEventWithoutData(r: EventRow): AuditEvent {
  return build(r, false);
}

function build(r: EventRow, parseData: boolean): AuditEvent {
  const e: Record<string, unknown> = {
    id: r.id,
    seq: r.seq,
    time: r.time,
    type: r.type,
    protocol: r.protocol,
    transport: r.transport,
    client: r.client,
    decision: r.decision,
    data: parseData ? parseJson(r.data, {}) : {},
    prevHash: r.prev_hash,
    hash: r.hash,
  };
  // Field by field rather than through a table of pairs: the anomaly monitor reads back
  // every event the proxy writes, so this runs for each of them.
  if (r.provider != null) e.provider = r.provider;
  if (r.server != null) e.server = r.server;
  if (r.tool != null) e.tool = r.tool;
  if (r.model != null) e.model = r.model;
  if (r.method != null) e.method = r.method;
  if (r.host != null) e.host = r.host;
  if (r.path != null) e.path = r.path;
  if (r.status != null) e.status = r.status;
  if (r.latency_ms != null) e.latencyMs = r.latency_ms;
  if (r.bytes_in != null) e.bytesIn = r.bytes_in;
  if (r.bytes_out != null) e.bytesOut = r.bytes_out;
  if (r.decided_by != null) e.decidedBy = r.decided_by;
  if (r.rule != null) e.rule = r.rule;
  if (r.risk != null) e.risk = r.risk;
  if (r.error != null) e.error = r.error;
  if (r.session != null) e.session = r.session;
  if (r.links) e.links = parseJson(r.links, []);
  return e as unknown as AuditEvent;
}

function parseJson<T>(text: string, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    // Only a hand-edited row can hold bad JSON; verify reports it as edited.
    return { __unparseable: text } as unknown as T;
  }
}
