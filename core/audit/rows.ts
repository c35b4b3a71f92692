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
) VALUES (
  @seq, @id, @time, @type, @protocol, @transport, @client, @provider, @server, @tool, @model, @method, @host, @path,
  @status, @latencyMs, @bytesIn, @bytesOut, @decision, @decidedBy, @rule, @risk, @error, @session, @links, @data,
  @prevHash, @hash
)`;

export function eventToParams(e: AuditEvent, dataJson: string): Record<string, unknown> {
  return {
    seq: e.seq,
    id: e.id,
    time: e.time,
    type: e.type,
    protocol: e.protocol,
    transport: e.transport,
    client: e.client,
    provider: e.provider ?? null,
    server: e.server ?? null,
    tool: e.tool ?? null,
    model: e.model ?? null,
    method: e.method ?? null,
    host: e.host ?? null,
    path: e.path ?? null,
    status: e.status ?? null,
    latencyMs: e.latencyMs ?? null,
    bytesIn: e.bytesIn ?? null,
    bytesOut: e.bytesOut ?? null,
    decision: e.decision,
    decidedBy: e.decidedBy ?? null,
    rule: e.rule ?? null,
    risk: e.risk ?? null,
    error: e.error ?? null,
    session: e.session ?? null,
    links: e.links && e.links.length > 0 ? JSON.stringify(e.links) : null,
    data: dataJson,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** Row → AuditEvent; absent columns stay absent (not null), as the hash expects. */
export function rowToEvent(r: EventRow): AuditEvent {
  const e: Record<string, unknown> = {
    id: r.id,
    seq: r.seq,
    time: r.time,
    type: r.type,
    protocol: r.protocol,
    transport: r.transport,
    client: r.client,
    decision: r.decision,
    data: parseJson(r.data, {}),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
  const optional: [string, unknown][] = [
    ['provider', r.provider], ['server', r.server], ['tool', r.tool], ['model', r.model],
    ['method', r.method], ['host', r.host], ['path', r.path], ['status', r.status],
    ['latencyMs', r.latency_ms], ['bytesIn', r.bytes_in], ['bytesOut', r.bytes_out],
    ['decidedBy', r.decided_by], ['rule', r.rule], ['risk', r.risk], ['error', r.error],
    ['session', r.session],
  ];
  for (const [k, v] of optional) if (v !== null && v !== undefined) e[k] = v;
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
