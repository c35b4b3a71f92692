import type { AuditEvent } from '../../shared/events.js';
import { formatCef } from '../audit/export/cef.js';
import { toEcs } from '../audit/export/ecs.js';

/**
 * How events look on the wire to a SIEM. CEF and ECS come from the audit exports
 * (core/audit/export), so a forwarded event and an exported one are the same document.
 */

/** Belay's own event, as stored (id, seq, hash chain included): webhook lines, syslog JSON, the HEC `event`. */
export function siemJson(e: AuditEvent): string {
  return JSON.stringify(e);
}

/** The ECS document for Elastic (`@timestamp`, `event.id`, `gen_ai.*`, ...). */
export function ecsDocument(e: AuditEvent): Record<string, unknown> {
  return toEcs(e);
}

/** One CEF line (`CEF:0|Belay|Belay|…`), for syslog with format cef. */
export function cefLine(e: AuditEvent): string {
  return formatCef(e);
}
