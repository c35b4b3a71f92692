import type { NewAuditEvent } from '../../shared/events.js';

export const T0 = Date.parse('2026-11-10T08:00:00Z');
const MIN = 60_000;

/**
 * Three hours of steady copilot traffic, as the proxy and mcp-wrap record it: cursor
 * makes 5 LLM calls a minute to api.openai.com (1 000 tokens each) and 1 MCP call a
 * minute (read_file / list_dir on the fs server); claude-code makes 2 calls a minute to
 * api.anthropic.com. Deterministic, so a test can plant anomalies at known minutes.
 */
export function quietTraffic(minutes = 180): NewAuditEvent[] {
  const out: NewAuditEvent[] = [];
  for (let m = 0; m < minutes; m++) {
    const at = T0 + m * MIN;
    for (let i = 0; i < 5; i++) out.push(llmCall('cursor', 'api.openai.com', at + i * 7000));
    out.push(toolCall('cursor', 'fs', m % 2 ? 'read_file' : 'list_dir', at + 40_000));
    for (let i = 0; i < 2; i++) out.push(llmCall('claude-code', 'api.anthropic.com', at + i * 20_000));
  }
  return out;
}

export function llmCall(client: string, host: string, at: number, over: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return {
    type: 'llm.request',
    protocol: 'llm',
    transport: 'proxy',
    client,
    startedAt: at,
    host,
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    model: 'gpt-4o-mini',
    decision: 'allow',
    data: { usage: { inputTokens: 800, outputTokens: 200 }, costUsd: 0.001 },
    ...over,
  };
}

export function toolCall(client: string, server: string, tool: string, at: number): NewAuditEvent {
  return { type: 'mcp.tool_call', protocol: 'mcp', transport: 'stdio', client, startedAt: at, server, tool, decision: 'allow' };
}

/** Events sorted by time, as the log would hold them. */
export function byTime(events: NewAuditEvent[]): NewAuditEvent[] {
  return [...events].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
}
