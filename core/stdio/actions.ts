import type { GuardAction } from '../pipeline/action.js';
import type { McpDoor, McpDoorContext } from '../pipeline/mcp-door.js';
import { toGuardAction } from '../protocols/mcp/action.js';
import type { McpFacts } from '../protocols/mcp/session.js';

/** Client requests the guard judges before the server sees them. Everything else passes at once (and is logged). */
const JUDGED_REQUESTS = new Set(['mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get']);
/** Server answers the guard judges before the client sees them: what reaches the model. */
const JUDGED_RESPONSES = new Set(['mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get', 'mcp.tools_list']);

export function needsRequestJudgement(f: McpFacts): boolean {
  return f.direction === 'client-to-server' && f.type === 'request' && JUDGED_REQUESTS.has(f.kind);
}

export function needsResponseJudgement(f: McpFacts): boolean {
  return f.direction === 'server-to-client' && f.type === 'response' && f.matched === true && JUDGED_RESPONSES.has(f.kind);
}

/** Server answers the inventory learns from (who the server is, which tools it offers). */
export function teachesInventory(f: McpFacts): boolean {
  return f.direction === 'server-to-client' && f.type === 'response' && (f.initialize !== undefined || f.tools !== undefined);
}

/**
 * What the copilot is about to do, in the guard's terms: built by the shared McpDoor (so
 * the proxy and the relay judge alike, with the inventory's approved pin, tool change and
 * first-use facts), plus what only the relay knows (the project folder it runs in).
 */
export function requestAction(f: McpFacts, door: McpDoor, ctx: McpDoorContext, projectRoot?: string): GuardAction {
  const action = door.actionsFor([f], ctx)[0] ?? toGuardAction(f, ctx);
  return { ...action, phase: 'request', ...(projectRoot ? { projectRoot } : {}) };
}

/** What the server answered, on its way to the copilot (and so to the model). */
export function responseAction(f: McpFacts, ctx: McpDoorContext, projectRoot?: string): GuardAction {
  return { ...toGuardAction(f, ctx), phase: 'response', ...(projectRoot ? { projectRoot } : {}) };
}
