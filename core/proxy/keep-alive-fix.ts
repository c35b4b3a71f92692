import type http from 'node:http';
import type { Socket } from 'node:net';
import { onUpstreamAgent } from './mockttp-agents.js';

/**
 * mockttp's upstream agents are `new https.Agent({ keepAlive: true })` with no `timeout`,
 * and Node applies a server's `Keep-Alive: timeout=N` hint only when the agent has one. So
 * an idle upstream socket stayed in the pool until the server closed it, and a request that
 * picked it at that moment (or after the event loop was busy when the server's FIN came)
 * failed with ECONNRESET: a 502 for the copilot, for a POST that cannot be sent again
 * safely. The soak saw it on MCP calls.
 *
 * Each agent mockttp hands out now drops an idle socket a second before the server's
 * announced timeout (Node's own margin), or after IDLE_WITHOUT_HINT_MS when the server
 * announced none. Only idle sockets are affected: the timer is cleared when a socket is
 * taken from the pool, and Node's agent destroys a timed-out socket only while it is free.
 */
const IDLE_WITHOUT_HINT_MS = 4000;
const HINT_MARGIN_MS = 1000;

type PooledSocket = Socket & { _httpMessage?: { res?: http.IncomingMessage } };

/** The idle time Belay allows a pooled upstream socket, from the server's hint. */
export function idleTimeoutFor(keepAliveHeader: string | string[] | undefined): number | undefined {
  const value = Array.isArray(keepAliveHeader) ? keepAliveHeader[0] : keepAliveHeader;
  if (!value) return IDLE_WITHOUT_HINT_MS;
  const seconds = /(?:^|[,\s])timeout=(\d+)/i.exec(value)?.[1];
  if (seconds === undefined) return IDLE_WITHOUT_HINT_MS;
  const ms = Number(seconds) * 1000 - HINT_MARGIN_MS;
  // A server that keeps sockets for a second or less: not worth reusing (Node's rule too).
  return ms > 0 ? Math.min(ms, IDLE_WITHOUT_HINT_MS * 15) : undefined;
}

function patchAgent(agent: http.Agent): void {
  // Node's typings say void; the agent uses the boolean (false: destroy the socket).
  const pool = agent as unknown as { keepSocketAlive(socket: PooledSocket): boolean; reuseSocket(socket: Socket, req: http.ClientRequest): void };
  const keep = pool.keepSocketAlive.bind(agent);
  pool.keepSocketAlive = (socket) => {
    if (!keep(socket)) return false;
    if (socket.timeout) return true; // the agent has a timeout of its own: Node applied the hint
    const idle = idleTimeoutFor(socket._httpMessage?.res?.headers['keep-alive']);
    if (idle === undefined) return false;
    socket.setTimeout(idle);
    return true;
  };
  // Taken from the pool for a request: no idle timer while it is in use (a long answer
  // may be silent for minutes).
  const reuse = pool.reuseSocket.bind(agent);
  pool.reuseSocket = (socket, req) => {
    socket.setTimeout(0);
    reuse(socket, req);
  };
}

export function installKeepAliveFix(): void {
  onUpstreamAgent(patchAgent);
}
