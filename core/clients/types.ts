/** The copilot apps Belay knows how to connect, by the ids the audit log uses for them. */
export const CLIENT_IDS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export const CLIENT_NAMES: Record<ClientId, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  windsurf: 'Windsurf',
};

export function isClientId(value: string): value is ClientId {
  return (CLIENT_IDS as readonly string[]).includes(value);
}

/** A path inside a JSON document, as jsonc-parser spells it. */
export type JsonPath = (string | number)[];

/** One file a client keeps MCP servers in. */
export interface McpConfigLocation {
  client: ClientId;
  /** user: one per machine; project: inside the folder given with --project. */
  scope: 'user' | 'project';
  path: string;
  /**
   * Where the server maps live in the document. A function because Claude Code's
   * ~/.claude.json keeps one map per project under `projects.<abs path>.mcpServers`.
   */
  containers(root: unknown): JsonPath[];
}

export type ServerTransport = 'stdio' | 'http' | 'sse' | 'unknown';

/** One MCP server entry as found in a config file. */
export interface ServerInfo {
  client: ClientId;
  file: string;
  scope: 'user' | 'project';
  container: JsonPath;
  name: string;
  transport: ServerTransport;
  /** Runs through `belay mcp-wrap` (stdio only). */
  protected: boolean;
  /** Set when the entry is wrapped but the node binary or belay.js it names is gone. */
  stale?: string;
  /** The command the client runs (for a protected entry: the original, unwrapped). */
  command?: string;
  args?: string[];
  url?: string;
}
