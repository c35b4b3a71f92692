/**
 * MCP method names (spec 2024-11-05 … 2025-11-25), for recognising MCP traffic by its
 * JSON-RPC body. `tasks/*` is left out on purpose: MCP 2025-11-25 added experimental
 * `tasks/get`, `tasks/list`, `tasks/cancel`, which A2A v0.3 also uses; those need the
 * transport's other signs (Mcp-Session-Id, MCP-Protocol-Version, a known MCP session).
 */
const METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'logging/setLevel',
  'completion/complete',
  'sampling/createMessage',
  'roots/list',
  'elicitation/create',
]);

export function isMcpMethod(method: string | undefined): boolean {
  if (!method) return false;
  return METHODS.has(method) || method.startsWith('notifications/');
}
