import type { Mockttp } from 'mockttp';
import type { NewAuditEvent } from '../../shared/events.js';
import { redactUrl } from '../audit/redact.js';

/**
 * Connections that never became a request still leave an event: bytes that are not HTTP,
 * malformed requests, and TLS handshakes a client refused (most often because it does
 * not trust Belay's CA yet, which the event says, with what to do about it).
 */
export async function recordClientErrors(
  server: Mockttp,
  record: (e: NewAuditEvent) => unknown,
  attributeClient: (headers: Record<string, string | string[] | undefined>) => string,
): Promise<void> {
  await server.on('client-error', (err) => {
    record({
      type: 'http',
      protocol: 'http',
      transport: 'proxy',
      client: attributeClient(err.request.headers ?? {}),
      // What mockttp "parsed" out of garbage is garbage (binary bytes as a method): keep only real tokens.
      method: err.request.method && HTTP_TOKEN.test(err.request.method) ? err.request.method : undefined,
      host: err.request.destination?.hostname,
      path: err.request.path && PRINTABLE_PATH.test(err.request.path) ? redactUrl(err.request.path) : undefined,
      status: err.response === 'aborted' ? undefined : err.response.statusCode,
      error: /UNKNOWN_PROTOCOL/.test(err.errorCode ?? '')
        ? 'the client sent bytes that are not HTTP to the proxy port (a non-HTTP client pointed at Belay?); the connection was closed'
        : `malformed request from the client (${err.errorCode ?? 'unparseable HTTP'})`,
      decision: 'allow',
    });
  });
  await server.on('tls-client-error', (failure) => {
    const host = failure.tlsMetadata.sniHostname ?? failure.destination?.hostname ?? 'unknown host';
    const why =
      failure.failureCause === 'cert-rejected'
        ? `the client rejected Belay's certificate for ${host}: it does not trust Belay's CA yet (see \`belay ca path\` / \`belay ca install\`)`
        : `TLS handshake with the client failed for ${host} (${failure.failureCause})`;
    record({ type: 'http', protocol: 'http', transport: 'proxy', client: 'unknown', host, error: why, decision: 'allow' });
  });
}

const HTTP_TOKEN = /^[A-Z][A-Z-]{0,19}$/;
const PRINTABLE_PATH = /^[\x21-\x7e]{1,2048}$/;
