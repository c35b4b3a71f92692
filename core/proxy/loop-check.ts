import { requireFromMockttp } from './mockttp-require.js';

/**
 * mockttp refuses a request as a "passthrough loop" when the client's address and port
 * equal the local address and port of one of its own open upstream sockets. On loopback
 * that misfires: Linux gives the same ephemeral port to two connections with different
 * destinations, so a copilot's connection to Belay and Belay's connection to a local MCP
 * server can share a port, and a real request is refused. A loop means more than a shared
 * port: the outgoing socket must also point at the very address the incoming one reached.
 * We compare both ends (falling back to mockttp's own test when an end is unknown).
 */
interface SocketEnds {
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
}

const normalise = (ip: string | undefined) => (ip ?? '').replace(/^::ffff:/, '');

export function isRealLoop(outgoing: Iterable<SocketEnds>, incoming: SocketEnds): boolean {
  // Runs for every request over every open upstream socket: the port (a number, almost
  // never equal) is compared before the addresses are normalised.
  for (const out of outgoing) {
    if (!out.localPort || out.localPort !== incoming.remotePort || !out.localAddress) continue;
    if (normalise(out.localAddress) !== normalise(incoming.remoteAddress)) continue;
    if (out.remotePort === undefined || incoming.localPort === undefined) return true;
    if (out.remotePort === incoming.localPort && normalise(out.remoteAddress) === normalise(incoming.localAddress)) return true;
  }
  return false;
}

let installed = false;

export function installLoopCheckFix(): void {
  if (installed) return;
  const socketUtil = requireFromMockttp('./util/socket-util.js') as { isSocketLoop: (o: Iterable<SocketEnds>, i: SocketEnds) => boolean };
  socketUtil.isSocketLoop = isRealLoop;
  installed = true;
}
