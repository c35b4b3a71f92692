import type { NewAuditEvent } from '../../shared/events.js';
import type { DropRecord } from './outbox.js';

/**
 * The `siem.dropped` audit event: events a destination will never receive (skipped by
 * its cap, or removed by retention before they were forwarded). One shape whatever the
 * cause, so `belay siem status`, the dashboard and the SIEM itself read them alike.
 * `why` is the sentence a human reads.
 */
export function siemDroppedEvent(destination: string, drop: Omit<DropRecord, 'at'>, why: string): NewAuditEvent {
  return {
    type: 'siem.dropped',
    protocol: 'belay',
    transport: 'internal',
    client: 'belay',
    decision: 'allow',
    risk: 'high',
    error: why,
    data: { destination, count: drop.count, fromSeq: drop.fromSeq, toSeq: drop.toSeq, reason: drop.reason },
  };
}
