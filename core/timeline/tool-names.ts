/**
 * Copilots expose an MCP tool to the model under a prefixed name: Claude Code uses
 * `mcp__<server>__<tool>`, others `<server>__<tool>`, `<server>.<tool>`, `<server>/<tool>`
 * or Cursor-style `mcp_<server>_<tool>`. The MCP tools/call carries the bare name.
 */
export function toolNameMatches(llmName: string, mcpName: string, server?: string): boolean {
  if (!llmName || !mcpName) return false;
  if (llmName === mcpName) return true;
  if (llmName.length <= mcpName.length || !llmName.endsWith(mcpName)) return false;
  const prefix = llmName.slice(0, llmName.length - mcpName.length);
  let serverPart: string | undefined;
  if (prefix.endsWith('__')) serverPart = prefix.slice(0, -2).replace(/^mcp__/, '');
  else if (prefix.endsWith('.') || prefix.endsWith('/') || prefix.endsWith(':')) serverPart = prefix.slice(0, -1);
  // A single "_" joins too many ordinary names (get_read_file): only with Cursor's mcp_ prefix.
  else if (prefix.startsWith('mcp_') && prefix.endsWith('_')) serverPart = prefix.slice(4, -1);
  if (serverPart === undefined || serverPart === '') return false;
  // When the server's name is known, a prefix naming another server is not this tool.
  if (server && !looselyNames(serverPart, server)) return false;
  return true;
}

/** "github" names "api.github.com/mcp" and "github-mcp"; punctuation and case are ignored. */
function looselyNames(prefix: string, server: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const p = norm(prefix);
  return p !== '' && norm(server).includes(p);
}
