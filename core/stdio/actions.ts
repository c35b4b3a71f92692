import type { GuardAction } from '../pipeline/action.js';
import type { McpFacts, McpSession } from '../protocols/mcp/session.js';

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

export interface ActionContext {
  client: string;
  server: string;
  session: string;
  projectRoot?: string;
}

/** What the copilot is about to do, in the guard's terms. */
export function requestAction(f: McpFacts, mcp: McpSession, ctx: ActionContext): GuardAction {
  const tool = f.toolCall?.name ?? f.prompt?.name;
  const known = f.toolCall ? mcp.tool(f.toolCall.name) : undefined;
  return {
    kind: f.kind,
    client: ctx.client,
    transport: 'stdio',
    server: ctx.server,
    session: ctx.session,
    phase: 'request',
    ...(tool !== undefined ? { tool } : {}),
    ...(f.toolCall ? { arguments: f.toolCall.arguments } : f.prompt?.arguments !== undefined ? { arguments: f.prompt.arguments } : {}),
    ...(known?.annotations ? { annotations: known.annotations } : {}),
    ...(known ? { toolPin: known.pin } : {}),
    ...(f.resource ? { uri: f.resource.uri } : {}),
    ...(ctx.projectRoot ? { projectRoot: ctx.projectRoot } : {}),
  };
}

/** What the server answered, on its way to the copilot (and so to the model). */
export function responseAction(f: McpFacts, ctx: ActionContext): GuardAction {
  const result = f.toolCall?.result ?? f.resource?.result ?? f.prompt?.result;
  return {
    kind: f.kind,
    client: ctx.client,
    transport: 'stdio',
    server: ctx.server,
    session: ctx.session,
    phase: 'response',
    ...(f.toolCall ? { tool: f.toolCall.name, arguments: f.toolCall.arguments } : f.prompt ? { tool: f.prompt.name } : {}),
    ...(f.resource ? { uri: f.resource.uri } : {}),
    ...(result && result.text ? { texts: [result.text] } : {}),
    ...(f.tools ? { toolDescriptions: f.tools.map((t) => ({ name: t.name, description: t.description ?? '' })) } : {}),
    ...(ctx.projectRoot ? { projectRoot: ctx.projectRoot } : {}),
  };
}
