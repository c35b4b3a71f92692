import type { AuditEvent } from '../../../shared/events.js';
import { RISK_ORDER, effectiveRisk, outcomeOf, splitPath, tokenUsage } from './fields.js';
import { belayVersion } from './version.js';

/**
 * ECS (Elastic Common Schema) form of an event, as nested objects, so Elastic ingests
 * the JSONL export and the _bulk forwarder's documents as they are. The mapping is
 * documented in docs/exports.md. Every field of the event is kept (standard ECS fields
 * where one exists, `belay.*` for the rest), so the hash chain can be re-checked from an
 * export alone: see fromEcs().
 */
export const ECS_VERSION = '8.17.0';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** ECS event.severity as numbers, spaced like Elastic's detection-rule severities. */
const SEVERITY = { none: 0, low: 21, medium: 47, high: 73, critical: 99 } as const;

export type EcsDocument = Record<string, unknown>;

export function toEcs(e: AuditEvent, version = belayVersion()): EcsDocument {
  const usage = tokenUsage(e);
  const { path, query } = splitPath(e.path);
  const risk = effectiveRisk(e);
  const doc: EcsDocument = {
    '@timestamp': e.time,
    ecs: { version: ECS_VERSION },
    event: prune({
      id: e.id,
      kind: e.type === 'alert' || RISK_ORDER.indexOf(risk) >= 3 ? 'alert' : 'event',
      action: e.type,
      outcome: outcomeOf(e),
      sequence: e.seq,
      duration: e.latencyMs !== undefined ? Math.round(e.latencyMs * 1e6) : undefined,
      severity: SEVERITY[risk],
      dataset: 'belay.audit',
      module: 'belay',
      reason: e.rule ? `rule ${e.rule}` : undefined,
    }),
    observer: { vendor: 'Belay', product: 'Belay', type: 'proxy', version },
    user_agent: { name: e.client },
    url: e.host || path ? prune({ domain: e.host, path, query }) : undefined,
    http:
      e.status !== undefined || (e.method && HTTP_METHODS.has(e.method))
        ? prune({
            request: e.method && HTTP_METHODS.has(e.method) ? { method: e.method } : undefined,
            response: e.status !== undefined ? { status_code: e.status } : undefined,
          })
        : undefined,
    rule: e.rule ? { name: e.rule } : undefined,
    error: e.error ? { message: e.error } : undefined,
    gen_ai:
      e.provider || e.model || e.tool || usage.input !== undefined || usage.output !== undefined
        ? prune({
            system: e.protocol === 'llm' ? e.provider : undefined,
            request: e.model ? { model: e.model } : undefined,
            usage: usage.input !== undefined || usage.output !== undefined ? prune({ input_tokens: usage.input, output_tokens: usage.output }) : undefined,
            tool: e.tool ? { name: e.tool } : undefined,
          })
        : undefined,
    belay: prune({
      type: e.type,
      protocol: e.protocol,
      transport: e.transport,
      client: e.client,
      provider: e.provider,
      server: e.server,
      tool: e.tool,
      model: e.model,
      method: e.method,
      host: e.host,
      path: e.path,
      status: e.status,
      latency_ms: e.latencyMs,
      bytes_in: e.bytesIn,
      bytes_out: e.bytesOut,
      decision: e.decision,
      decided_by: e.decidedBy,
      rule: e.rule,
      risk: e.risk,
      error: e.error,
      session: e.session,
      links: e.links,
      data: e.data,
      seq: e.seq,
      prev_hash: e.prevHash,
      hash: e.hash,
    }),
  };
  return prune(doc);
}

/**
 * The event back from an ECS export line (from its `belay.*` block and event.id /
 * @timestamp), so a collected file can be re-hashed with the chain rule of
 * core/audit/canonical.ts. Returns undefined for lines that are not events.
 */
export function fromEcs(doc: EcsDocument): AuditEvent | undefined {
  const b = doc.belay as Record<string, unknown> | undefined;
  const ev = doc.event as Record<string, unknown> | undefined;
  if (!b || !ev || typeof ev.id !== 'string' || b.hash === undefined) return undefined;
  return prune({
    id: ev.id,
    seq: b.seq,
    time: doc['@timestamp'],
    type: b.type,
    protocol: b.protocol,
    transport: b.transport,
    client: b.client,
    provider: b.provider,
    server: b.server,
    tool: b.tool,
    model: b.model,
    method: b.method,
    host: b.host,
    path: b.path,
    status: b.status,
    latencyMs: b.latency_ms,
    bytesIn: b.bytes_in,
    bytesOut: b.bytes_out,
    decision: b.decision,
    decidedBy: b.decided_by,
    rule: b.rule,
    risk: b.risk,
    error: b.error,
    session: b.session,
    links: b.links,
    data: b.data ?? {},
    prevHash: b.prev_hash,
    hash: b.hash,
  }) as unknown as AuditEvent;
}

function prune<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
