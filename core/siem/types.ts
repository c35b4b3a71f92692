import type { AuditEvent } from '../../shared/events.js';
import type { DestinationType } from './config.js';

/** An event a destination refused for good (it will never accept it as is): counted, not retried. */
export interface PermanentError {
  /** Index in the batch that was sent. */
  index: number;
  reason: string;
}

/**
 * What a destination said about a batch. `acked` counts events from the start of the
 * batch that are done: durably accepted, or refused for good (listed in
 * permanentErrors). The cursor advances past exactly those; the rest is sent again.
 */
export interface SendResult {
  acked: number;
  /** The destination asked to wait (HTTP Retry-After) before the next try. */
  retryAfterMs?: number;
  permanentErrors?: PermanentError[];
  /** Why not everything was acked, worded for `belay siem status` (never holds credentials). */
  error?: string;
  /** What the destination answered (status code, short text), for `belay siem test`. */
  detail?: string;
}

/** One forwarder per destination type (forwarders/*.ts). */
export interface EventSender {
  readonly type: DestinationType;
  send(batch: AuditEvent[], signal?: AbortSignal): Promise<SendResult>;
  /** Closes sockets and agents; pending sends are not acked. */
  close(): Promise<void>;
}

/** What an outbox worker needs from the audit log: read by seq, and record drops. */
export interface AuditLogPort {
  readSince(seq: number, limit: number): AuditEvent[];
  append(e: import('../../shared/events.js').NewAuditEvent): { id: string };
  flush(): void;
  subscribe?(fn: (e: AuditEvent) => void): () => void;
}
