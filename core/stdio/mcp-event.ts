import type { NewAuditEvent } from '../../shared/events.js';
import type { Finding } from '../pipeline/action.js';
import type { McpDoor, McpDoorContext } from '../pipeline/mcp-door.js';
import type { Verdict } from '../pipeline/verdict.js';
import type { McpFacts } from '../protocols/mcp/session.js';

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

/**
 * The audit event of one exchange. The MCP part (type, tool, method, data) comes from the
 * shared McpDoor, exactly as the proxy records HTTP MCP; around it the same envelope
 * fields the proxy adds (decision, timing, bytes, findings, approval).
 */
export function mcpExchangeEvent(x: McpExchange, ctx: McpDoorContext, door: McpDoor): NewAuditEvent {
  const req = x.request;
  const res = x.response;
  const verdict = decisive(x.requestVerdict, x.responseVerdict);
  const findings = [...(x.requestVerdict?.findings ?? []), ...(x.responseVerdict?.findings ?? [])];
  const mcp = door.eventFor(req, res, ctx, verdict);
  const error = x.error ?? mcp.error;
  return {
    transport: ctx.transport,
    client: ctx.client,
    startedAt: req.at,
    latencyMs: res ? Math.max(0, res.at - req.at) : undefined,
    bytesIn: x.bytesIn,
    bytesOut: x.bytesOut,
    decision: verdict?.decision ?? 'allow',
    decidedBy: verdict?.decidedBy ?? 'default',
    rule: verdict?.rule,
    risk: verdict?.risk ?? 'none',
    ...mcp,
    type: mcp.type ?? req.kind,
    protocol: 'mcp',
    ...(error ? { error } : {}),
    data: {
      ...(mcp.data ?? {}),
      ...(findings.length ? { findings: findingViews(findings) } : {}),
      ...(verdict?.heldMs !== undefined ? { heldMs: verdict.heldMs } : {}),
      ...(verdict?.approvalId ? { approvalId: verdict.approvalId } : {}),
      ...(verdict?.reason ? { reason: verdict.reason } : {}),
      ...(x.refused ? { refused: x.refused } : {}),
    },
  };
}

/** A message that is not one of a request/response pair worth its own row: a server request, a list_changed, an unreadable line. */
export function mcpMessageEvent(ctx: McpDoorContext, fields: { direction: string; method?: string; error?: string; bytes: number; data?: Record<string, unknown> }): NewAuditEvent {
  return {
    type: 'mcp.message',
    protocol: 'mcp',
    transport: ctx.transport,
    client: ctx.client,
    server: ctx.server,
    session: ctx.session?.sessionId,
    method: fields.method,
    decision: 'allow',
    decidedBy: 'default',
    risk: 'none',
    ...(fields.error ? { error: fields.error } : {}),
    ...(fields.direction === 'client-to-server' ? { bytesOut: fields.bytes } : { bytesIn: fields.bytes }),
    data: { direction: fields.direction, ...fields.data },
  };
}
