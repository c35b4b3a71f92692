/**
 * The audit event: one per flow (or per notable thing Belay did), as stored in SQLite,
 * shown by the faces and forwarded to a SIEM. Pure types, shared by core, electron and renderer.
 */

/** What the event is about. Flow events use the policy kinds; the rest are Belay's own. */
export type EventType =
  | 'llm.request'
  | 'llm.tool_use'
  | 'mcp.initialize'
  | 'mcp.tools_list'
  | 'mcp.tool_call'
  | 'mcp.resource_read'
  | 'mcp.prompt_get'
  | 'mcp.message'
  | 'a2a.agent_card'
  | 'a2a.message'
  | 'http'
  | 'tool.changed'
  | 'server.new'
  | 'approval'
  | 'alert'
  | 'siem.dropped'
  | 'system';

export type Protocol = 'llm' | 'mcp' | 'a2a' | 'http' | 'belay';
export type Transport = 'proxy' | 'stdio' | 'internal';
export type Decision = 'allow' | 'ask' | 'deny' | 'redact';
/** Who made the decision that let a flow through or refused it. */
export type DecidedBy = 'policy' | 'default' | 'human' | 'timeout' | 'remembered' | 'paused' | 'error' | 'unavailable';
export type Risk = 'none' | 'low' | 'medium' | 'high' | 'critical';

/** Fields a producer fills in; id, seq, time and the hash chain are added by the audit writer. */
export interface NewAuditEvent {
  type: EventType;
  protocol: Protocol;
  transport: Transport;
  /** Client app id, e.g. cursor, claude-desktop, claude-code, vscode, windsurf, openai-sdk, curl, unknown. */
  client: string;
  /** Time the flow started (ms since epoch); defaults to now. */
  startedAt?: number;
  provider?: string;
  /** MCP server name (stdio) or host (HTTP). */
  server?: string;
  tool?: string;
  model?: string;
  method?: string;
  host?: string;
  path?: string;
  status?: number;
  latencyMs?: number;
  bytesIn?: number;
  bytesOut?: number;
  decision?: Decision;
  decidedBy?: DecidedBy;
  rule?: string;
  risk?: Risk;
  error?: string;
  /** MCP session id or a per-client conversation key; ties a timeline together. */
  session?: string;
  /** Ids of related events (model tool call → MCP call → result). */
  links?: string[];
  /** Protocol details: tokens, cost, tool calls, findings... Never credentials. */
  data?: Record<string, unknown>;
}

export interface AuditEvent extends Omit<NewAuditEvent, 'startedAt' | 'decision'> {
  /** Time-sortable unique id (also the SIEM dedupe key). */
  id: string;
  /** Position in the hash chain, 1-based, gap-free. */
  seq: number;
  /** ISO 8601 time the flow started. */
  time: string;
  decision: Decision;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
