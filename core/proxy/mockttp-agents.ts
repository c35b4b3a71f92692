import http from 'node:http';
import { requireFromMockttp } from './mockttp-require.js';

/**
 * mockttp makes its upstream agents itself (one per client connection, in its
 * `getAgent`), with no option to shape them. Belay adjusts each one as it is handed out:
 * keep-alive-fix.ts (idle sockets closed before the server closes them) and
 * shared-tls-context.ts (one TLS context per trust list, not one per connection).
 */
type AgentPatch = (agent: http.Agent) => void;

const patches: AgentPatch[] = [];
const seen = new WeakSet<http.Agent>();
let installed = false;

export function onUpstreamAgent(patch: AgentPatch): void {
  if (!patches.includes(patch)) patches.push(patch);
  if (installed) return;
  const agents = requireFromMockttp('./rules/http-agents.js') as { getAgent: (...args: unknown[]) => Promise<unknown> };
  if (typeof agents.getAgent !== 'function') {
    throw new Error('this version of mockttp has no getAgent to adjust (core/proxy/mockttp-agents.ts)');
  }
  const getAgent = agents.getAgent;
  agents.getAgent = async (...args: unknown[]) => {
    const agent = await getAgent(...args);
    // One agent, or { https, http2 } when HTTP/2 upstream may be tried.
    if (agent instanceof http.Agent) adjust(agent);
    else if (agent && typeof agent === 'object') for (const a of Object.values(agent)) if (a instanceof http.Agent) adjust(a);
    return agent;
  };
  installed = true;
}

function adjust(agent: http.Agent): void {
  if (seen.has(agent)) return;
  seen.add(agent);
  for (const patch of patches) patch(agent);
}
