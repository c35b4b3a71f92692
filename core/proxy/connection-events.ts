import type { Mockttp } from 'mockttp';
import type { NewAuditEvent } from '../../shared/events.js';

/**
 * Tunnels Belay passes through without reading (hosts on the TLS passthrough list,
 * non-HTTP protocols) still show up in the log: one event when each closes, with who,
 * where and how long; never content. (WebSockets are flows: see proxy.ts.)
 */
export async function recordConnectionEvents(server: Mockttp, append: (e: NewAuditEvent) => unknown): Promise<void> {
  const tunnel = (kind: 'tls-passthrough' | 'raw') => (e: { destination: { hostname: string; port: number }; timingEvents: { startTime: number } }) =>
    append({
      type: 'http',
      protocol: 'http',
      transport: 'proxy',
      client: 'unknown',
      startedAt: e.timingEvents.startTime,
      host: e.destination.hostname,
      latencyMs: Date.now() - e.timingEvents.startTime,
      decision: 'allow',
      data: { tunnel: kind, port: e.destination.port, inspected: false },
    });
  await server.on('tls-passthrough-closed', tunnel('tls-passthrough'));
  await server.on('raw-passthrough-closed', tunnel('raw'));
}
