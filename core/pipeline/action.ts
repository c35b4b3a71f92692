/**
 * A guard action: one thing a copilot is about to do that policy may judge. The proxy
 * and the stdio relay turn what they see into actions; detectors, policy and approvals
 * only ever see actions, so every door is judged the same way.
 */
import type { Risk } from '../../shared/events.js';

export type ActionKind =
  | 'llm.request'
  | 'llm.tool_use'
  | 'mcp.initialize'
  | 'mcp.tools_list'
  | 'mcp.tool_call'
  | 'mcp.resource_read'
  | 'mcp.prompt_get'
  | 'mcp.message'
  | 'a2a.message'
  | 'http';

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface GuardAction {
  kind: ActionKind;
  /** Client app id (see protocols/client-attribution). */
  client: string;
  transport: 'proxy' | 'stdio';
  /** Network facts, for proxy actions. */
  host?: string;
  path?: string;
  method?: string;
  /** LLM facts. */
  provider?: string;
  model?: string;
  /** MCP server identity: the configured name for stdio, host + path for HTTP. */
  server?: string;
  /** MCP session id, or a per-client conversation key. */
  session?: string;
  /** Tool name (mcp.tool_call, llm.tool_use) and its parsed arguments. */
  tool?: string;
  arguments?: unknown;
  /** What the server said about the tool (hints, untrusted) and its pin, when known. */
  annotations?: ToolAnnotations;
  toolPin?: string;
  /** Resource URI for mcp.resource_read. */
  uri?: string;
  /**
   * Free text leaving the machine that detectors should scan: prompt messages, system
   * prompt, tool results sent back to the model. Never logged as such.
   */
  texts?: string[];
  /** Tool descriptions seen in a tools/list result (for poisoning checks). */
  toolDescriptions?: { name: string; description: string }[];
  /**
   * Which way the judged message goes: 'request' (default) is the copilot acting;
   * 'response' is what came back (a tool result, a resource, a tools/list answer) on its
   * way to the copilot, with its text in `texts`.
   */
  phase?: 'request' | 'response';
  /** The pin the user approved for this tool (inventory); differs from toolPin after a change. */
  approvedPin?: string;
  /** A short account of how the tool changed since approvedPin (shown to the human). */
  toolChange?: string;
  /** True the first time this client uses this MCP server. */
  newServer?: boolean;
  /** The folder the copilot works in, when known: writes outside it are flagged. */
  projectRoot?: string;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  /** Detector name, e.g. "secrets", "destructive-command". */
  detector: string;
  severity: Severity;
  /** Plain words for the human: what was found and why it is risky. */
  message: string;
  /** Where it was found, e.g. "arguments.command" or "messages[3]". */
  where?: string;
  /** The risky part, already redacted when it is a secret (e.g. "sk-ant-…Q2AA"). */
  evidence?: string;
  /** For the redact action: exact strings to replace before forwarding. Never stored. */
  secretValues?: string[];
  /** Detector-specific id, e.g. the secret rule id "aws-access-key". */
  ruleId?: string;
}

export function riskOf(findings: Finding[]): Risk {
  const order: Risk[] = ['none', 'low', 'medium', 'high', 'critical'];
  let worst = 0;
  for (const f of findings) worst = Math.max(worst, order.indexOf(f.severity));
  return order[worst];
}
