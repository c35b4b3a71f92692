import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../shared/events.js';
import type { Destination } from './config.js';
import { createSender } from './forwarders/index.js';
import { scrubSecrets, type DestinationSecrets } from './secrets.js';

/**
 * `belay siem test DEST`: one synthetic event, sent straight to the destination (not
 * written to the log, not through the outbox), and a plain account of what happened.
 */

export function makeTestEvent(now = Date.now()): AuditEvent {
  return {
    id: `belay-test-${randomUUID()}`,
    seq: 0,
    time: new Date(now).toISOString(),
    type: 'system',
    protocol: 'belay',
    transport: 'internal',
    client: 'belay',
    decision: 'allow',
    risk: 'none',
    data: { test: true, message: 'Belay SIEM test event: if you can read this, forwarding works.' },
    prevHash: '',
    hash: '',
  };
}

export interface TestOutcome {
  ok: boolean;
  eventId: string;
  /** What the destination answered, or the error, with secrets scrubbed. */
  message: string;
  ms: number;
}

export async function sendTestEvent(dest: Destination, secrets: DestinationSecrets | undefined, timeoutMs = 30_000): Promise<TestOutcome> {
  const event = makeTestEvent();
  const started = Date.now();
  let sender;
  try {
    sender = createSender(dest, secrets);
  } catch (err) {
    return { ok: false, eventId: event.id, message: scrubSecrets((err as Error).message, secrets), ms: 0 };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const r = await sender.send([event], signal);
    const ok = r.acked === 1 && !(r.permanentErrors ?? []).length;
    const text = ok ? (r.detail ?? 'accepted') : [r.detail, r.permanentErrors?.[0]?.reason, r.error].filter(Boolean).join(' — ');
    return { ok, eventId: event.id, message: scrubSecrets(text || 'not accepted', secrets), ms: Date.now() - started };
  } catch (err) {
    return { ok: false, eventId: event.id, message: scrubSecrets((err as Error).message, secrets), ms: Date.now() - started };
  } finally {
    await sender.close();
  }
}
