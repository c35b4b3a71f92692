import type { NewAuditEvent } from '../../shared/events.js';
import type { Finding } from '../pipeline/action.js';
import type { Verdict } from '../pipeline/verdict.js';
import type { McpFacts } from '../protocols/mcp/session.js';

/** Who and where, the same for every event of one relay (or one HTTP MCP session). */
export interface McpEventContext {
  transport: 'stdio' | 'proxy';
  client: string;
  server: string;
  session?: string;
}

/** One request and what became of it: the unit the audit log records. */
export interface McpExchange {
  request: McpFacts;
  requestVerdict?: Verdict;
  response?: McpFacts;
  responseVerdict?: Verdict;
  /** Belay answered in the server's place (refused); the server never saw the request. */
  refused?: 'request' | 'response';
  bytesIn: number;
  bytesOut: number;
  /** Why no answer came (server exited, client cancelled). */
  error?: string;
}

/** Arguments are kept for the audit trail but capped: a 10 MB write_file is not an audit record. */
const MAX_ARGS_JSON = 16 * 1024;

function capped(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value) ?? '';
  return json.length <= MAX_ARGS_JSON ? value : { truncated: true, preview: json.slice(0, MAX_ARGS_JSON) };
}

/** Findings as stored: the values a redaction needs never reach the log. */
export function findingViews(findings: Finding[]): Omit<Finding, 'secretValues'>[] {
  return findings.map(({ secretValues: _secretValues, ...rest }) => rest);
}

const RANK: Record<Verdict['decision'], number> = { allow: 0, redact: 1, ask: 2, deny: 3 };

/** The verdict that shaped the outcome: a refusal first, else the one that asked the most. */
function decisive(a?: Verdict, b?: Verdict): Verdict | undefined {
  const list = [a, b].filter((v): v is Verdict => v !== undefined);
  const denied = list.find((v) => v.outcome === 'deny');
  if (denied) return denied;
  return list.sort((x, y) => RANK[y.decision] - RANK[x.decision])[0];
}

export function mcpExchangeEvent(x: McpExchange, ctx: McpEventContext): NewAuditEvent {
  const req = x.request;
  const res = x.response;
  const verdict = decisive(x.requestVerdict, x.responseVerdict);
  const findings = [...(x.requestVerdict?.findings ?? []), ...(x.responseVerdict?.findings ?? [])];
  const data: Record<string, unknown> = { jsonrpcId: req.id };
  if (req.toolCall) data.arguments = capped(req.toolCall.arguments);
  if (req.resource) data.uri = req.resource.uri;
  if (req.prompt) data.prompt = { name: req.prompt.name, arguments: capped(req.prompt.arguments) };
  if (req.initialize?.client) data.clientInfo = req.initialize.client;
  if (res?.initialize) {
    data.serverInfo = res.initialize.server;
    data.protocolVersion = res.initialize.protocolVersion;
  }
  if (res?.tools) data.tools = res.tools.slice(0, 500).map((t) => ({ name: t.name, pin: t.pin, ...(t.annotations ? { annotations: t.annotations } : {}) }));
  const result = res?.toolCall?.result ?? res?.resource?.result ?? res?.prompt?.result;
  if (result) data.result = { types: result.types, truncated: result.truncated, chars: result.text.length };
  if (res?.toolCall?.result) data.isError = res.toolCall.result.isError;
  if (findings.length) data.findings = findingViews(findings);
  if (x.refused) data.refused = x.refused;
  if (verdict?.approvalId) data.approvalId = verdict.approvalId;
  if (verdict?.heldMs !== undefined) data.heldMs = verdict.heldMs;
  if (verdict?.reason) data.reason = verdict.reason;

  const error = x.error ?? (res?.error ? `JSON-RPC error ${res.error.code}: ${res.error.message}` : undefined);
  return {
    type: req.kind,
    protocol: 'mcp',
    transport: ctx.transport,
    client: ctx.client,
    server: ctx.server,
    session: ctx.session,
    startedAt: req.at,
    method: req.method,
    tool: req.toolCall?.name ?? req.prompt?.name,
    latencyMs: res ? Math.max(0, res.at - req.at) : undefined,
    bytesIn: x.bytesIn,
    bytesOut: x.bytesOut,
    decision: verdict?.decision ?? 'allow',
    decidedBy: verdict?.decidedBy ?? 'default',
    rule: verdict?.rule,
    risk: verdict?.risk ?? 'none',
    ...(error ? { error } : {}),
    data,
  };
}

/** A message that is not one of a request/response pair worth its own row: a server request, a list_changed, an unreadable line. */
export function mcpMessageEvent(ctx: McpEventContext, fields: { direction: string; method?: string; error?: string; bytes: number; data?: Record<string, unknown> }): NewAuditEvent {
  return {
    type: 'mcp.message',
    protocol: 'mcp',
    transport: ctx.transport,
    client: ctx.client,
    server: ctx.server,
    session: ctx.session,
    method: fields.method,
    decision: 'allow',
    decidedBy: 'default',
    risk: 'none',
    ...(fields.error ? { error: fields.error } : {}),
    ...(fields.direction === 'client-to-server' ? { bytesOut: fields.bytes } : { bytesIn: fields.bytes }),
    data: { direction: fields.direction, ...fields.data },
  };
}
