import type { AuditEvent } from '../../shared/events.js';

/**
 * How events look on the wire to a SIEM. CEF and ECS are meant to come from the audit
 * exports (core/audit/export), so a forwarded event and an exported one are the same
 * document. PROVISIONAL: until those land, minimal local mappings stand in.
 */

/** Belay's own event, as stored (id, seq, hash chain included): webhook lines, syslog JSON, the HEC `event`. */
export function siemJson(e: AuditEvent): string {
  return JSON.stringify(e);
}

/** The ECS document for Elastic (`@timestamp`, `event.id`, ...). */
export function ecsDocument(e: AuditEvent): Record<string, unknown> {
  return { '@timestamp': e.time, event: { id: e.id, kind: 'event', action: e.type, sequence: e.seq }, belay: e };
}

/** One CEF line, for syslog with format cef. */
export function cefLine(e: AuditEvent): string {
  const h = (s: string) => s.replace(/[\\|]/g, (c) => `\\${c}`);
  const x = (s: string) => s.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
  return `CEF:0|Belay|Belay|0.1.0|${h(e.type)}|${h(e.type)}|3|externalId=${x(e.id)} rt=${Date.parse(e.time)} act=${x(e.decision)}`;
}
