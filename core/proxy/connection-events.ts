import type { Mockttp } from 'mockttp';
import type { NewAuditEvent } from '../../shared/events.js';
import { redactUrl } from '../audit/redact.js';

/**
 * Traffic that is not a request/response still shows up in the log: WebSocket sessions
 * (one event when they close) and tunnels Belay passes through without reading (hosts on
 * the TLS passthrough list, non-HTTP protocols). Only facts about the connection are
 * kept: who, where, how long; never content.
 */
export async function recordConnectionEvents(
  server: Mockttp,
  append: (e: NewAuditEvent) => unknown,
  attributeClient: (headers: Record<string, string | string[] | undefined>) => string,
): Promise<void> {
  const sockets = new Map<string, { startedAt: number; client: string; host: string; path: string; accepted: boolean }>();
  const MAX_OPEN = 10_000;

  const end = (id: string, fields: Partial<NewAuditEvent>) => {
    const ws = sockets.get(id);
    if (!ws) return;
    sockets.delete(id);
    append({
      type: 'http',
      protocol: 'http',
      transport: 'proxy',
      client: ws.client,
      startedAt: ws.startedAt,
      method: 'GET',
      host: ws.host,
      path: ws.path,
      status: ws.accepted ? 101 : undefined,
      latencyMs: Date.now() - ws.startedAt,
      decision: 'allow',
      ...fields,
      data: { websocket: true, ...(fields.data ?? {}) },
    });
  };

  await server.on('websocket-request', (req) => {
    if (sockets.size >= MAX_OPEN) return;
    const url = new URL(req.url);
    sockets.set(req.id, {
      startedAt: req.timingEvents.startTime,
      client: attributeClient(req.headers),
      host: url.hostname,
      path: redactUrl(`${url.pathname}${url.search}`),
      accepted: false,
    });
  });
  await server.on('websocket-accepted', (res) => {
    const ws = sockets.get(res.id);
    if (ws) ws.accepted = true;
  });
  await server.on('websocket-close', (close) => end(close.streamId, { data: { closeCode: close.closeCode } }));
  await server.on('abort', (req) => {
    if (sockets.has(req.id)) end(req.id, { error: req.error?.message ? `WebSocket ended without a close frame: ${req.error.message}` : 'WebSocket ended without a close frame' });
  });

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
