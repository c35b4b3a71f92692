import type { IncomingMessage } from 'node:http';
import { requireFromMockttp } from './mockttp-require.js';

/**
 * The absolute URL of a request that reached the proxy, as mockttp computes it for its own
 * requests (request-utils' preprocessRequest), so an LLM call taking Belay's fast lane
 * (fast-lane.ts) is logged, judged and forwarded under the very URL it would have had on
 * mockttp's path. Only the two shapes copilots send are handled:
 * - inside a CONNECT tunnel: a path, with the tunnel's destination on the socket;
 * - plain HTTP through the proxy: an absolute URL, kept as sent.
 * Anything else (a path with no tunnel, HTTP/2) answers undefined and stays on mockttp's path.
 *
 * mockttp keeps the tunnel's facts on the socket under symbols of its own module; they and
 * its URL helpers are read from that module, pinned by test/unit/proxy/lane-url.test.ts.
 */
interface MockttpUrlInternals {
  LastTunnelAddress: symbol;
  LastHopEncrypted: symbol;
  TlsMetadata: symbol;
  getDestination(protocol: string, host: string): { hostname: string; port: number };
  normalizeHost(protocol: string, host: string): string;
  isIP(host: string): boolean;
}

function mockttpUrlInternals(): MockttpUrlInternals {
  const sockets = requireFromMockttp('./util/socket-extensions.js') as Pick<MockttpUrlInternals, 'LastTunnelAddress' | 'LastHopEncrypted' | 'TlsMetadata'>;
  const urls = requireFromMockttp('./util/url.js') as Pick<MockttpUrlInternals, 'getDestination' | 'normalizeHost'>;
  const ips = requireFromMockttp('./util/ip-utils.js') as Pick<MockttpUrlInternals, 'isIP'>;
  const all = { ...sockets, ...urls, ...ips };
  if (typeof all.LastTunnelAddress !== 'symbol' || typeof all.LastHopEncrypted !== 'symbol' || typeof all.TlsMetadata !== 'symbol' || !all.getDestination || !all.normalizeHost || !all.isIP) {
    throw new Error("this version of mockttp does not keep a tunnel's destination where Belay reads it (core/proxy/lane-url.ts)");
  }
  return all;
}

let internals: MockttpUrlInternals | undefined;

/** Normalised URLs by the string they were built from: copilots send the same few. */
const normalised = new Map<string, string>();
const MAX_NORMALISED = 512;

export function laneUrl(req: IncomingMessage): string | undefined {
  if (/^http:\/\//i.test(req.url ?? '')) return req.url;
  if (!req.url?.startsWith('/')) return undefined;
  internals ??= mockttpUrlInternals();
  const socket = req.socket as unknown as Record<symbol, unknown>;
  const tunnel = socket[internals.LastTunnelAddress];
  if (typeof tunnel !== 'string') return undefined;
  const protocol = socket[internals.LastHopEncrypted] ? 'https' : 'http';
  const destination = internals.getDestination(protocol, tunnel);
  // A tunnel to an IP: the name the client meant is in its Host header (or SNI); the
  // port is always the tunnel's, whatever the header says.
  let hostname = destination.hostname;
  if (internals.isIP(hostname)) {
    const named = firstHeader(req.headers.host) ?? (socket[internals.TlsMetadata] as { sniHostname?: string } | undefined)?.sniHostname;
    if (named) hostname = internals.getDestination(protocol, named).hostname;
  }
  const built = `${protocol}://${internals.normalizeHost(protocol, `${hostname}:${destination.port}`)}${req.url}`;
  let url = normalised.get(built);
  if (url === undefined) {
    try {
      url = new URL(built).toString();
    } catch {
      return undefined; // mockttp's path answers a malformed request as it always has
    }
    if (normalised.size >= MAX_NORMALISED) normalised.clear();
    normalised.set(built, url);
  }
  return url;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
