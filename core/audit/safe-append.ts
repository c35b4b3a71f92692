import type { NewAuditEvent } from '../../shared/events.js';

/**
 * An append for producers that run inside other libraries' event handlers (the proxy's
 * mockttp listeners): a refused event (a producer bug) is reported, never thrown there.
 * Answers the event's id, or undefined when it was refused.
 */
export function safeAppender(log: { append(e: NewAuditEvent): { id: string } }, warn: (message: string) => void): (e: NewAuditEvent) => string | undefined {
  return (e) => {
    try {
      return log.append(e).id;
    } catch (err) {
      warn(`an audit event was refused: ${(err as Error).message}`);
      return undefined;
    }
  };
}
