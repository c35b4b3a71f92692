import type { AuditEvent } from '../../shared/events.js';
import { canonicalJson } from '../protocols/mcp/canonical.js';

/**
 * Renders audit events as a readable story for `belay log tail`: events tied by `links`
 * (the model's tool request → the MCP call that ran it → its result) are shown together,
 * the first one as the head and the rest indented under it; other events one line each.
 * Everything a server or model chose (names, arguments, errors) is made safe to print.
 *
 * Fields read from `data` when present: arguments, argumentsPreview, isError,
 * result.isError, toolCalls [{ name }], usage { inputTokens, outputTokens }, costUsd, diff.
 */
export function formatTimeline(events: AuditEvent[]): string[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const byId = new Map(sorted.map((e) => [e.id, e]));
  // Union-find over links, so a chain reads as one group whichever side holds the link.
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  for (const e of sorted) parent.set(e.id, e.id);
  for (const e of sorted) {
    for (const l of e.links ?? []) {
      if (!byId.has(l)) continue;
      const a = find(e.id);
      const b = find(l);
      if (a === b) continue;
      // The earlier event stays the root: it heads the story.
      if (byId.get(a)!.seq < byId.get(b)!.seq) parent.set(b, a);
      else parent.set(a, b);
    }
  }
  const groups = new Map<string, AuditEvent[]>();
  for (const e of sorted) {
    const root = find(e.id);
    const g = groups.get(root);
    if (g) g.push(e);
    else groups.set(root, [e]);
  }
  const lines: string[] = [];
  for (const group of groups.values()) {
    const [head, ...rest] = group;
    lines.push(headLine(head));
    rest.forEach((e, i) => lines.push(`${i === rest.length - 1 ? '  └─ ' : '  ├─ '}${clock(e.time)}  ${summary(e)}${verdict(e)}`));
  }
  return lines;
}

function headLine(e: AuditEvent): string {
  return `${clock(e.time)}  ${safe(e.client, 16).padEnd(14)}  ${summary(e)}${verdict(e)}`;
}

function summary(e: AuditEvent): string {
  const d = e.data ?? {};
  const server = e.server ? safe(e.server, 48) : e.host ? safe(e.host, 48) : '?';
  const tool = e.tool ? safe(e.tool, 64) : '?';
  switch (e.type) {
    case 'llm.request': {
      const calls = Array.isArray(d.toolCalls) ? d.toolCalls.map((c) => safe(String((c as { name?: unknown })?.name ?? '?'), 40)) : [];
      const usage = d.usage as { inputTokens?: number; outputTokens?: number } | undefined;
      const tokens = usage && (usage.inputTokens !== undefined || usage.outputTokens !== undefined) ? ` · ${usage.inputTokens ?? '?'}→${usage.outputTokens ?? '?'} tokens` : '';
      const cost = typeof d.costUsd === 'number' ? ` · $${d.costUsd.toFixed(4)}` : '';
      return `LLM ${safe(e.provider ?? '?', 20)} ${safe(e.model ?? '', 48)}${calls.length ? ` asked for ${calls.join(', ')}` : ''}${tokens}${cost}${status(e)}`;
    }
    case 'llm.tool_use':
      return `model${e.model ? ` ${safe(e.model, 48)}` : ''} asked to run ${tool}${args(d)}`;
    case 'mcp.tool_call':
      return `MCP ${server} ${tool}${args(d)}${outcome(e)}`;
    case 'mcp.tools_list':
    case 'mcp.initialize':
    case 'mcp.resource_read':
    case 'mcp.prompt_get':
    case 'mcp.message':
      return `MCP ${server} ${safe(e.method ?? e.type.slice(4), 48)}${e.tool ? ` ${tool}` : ''}${outcome(e)}`;
    case 'tool.changed': {
      const first = typeof d.diff === 'string' ? d.diff.split('\n').slice(0, 2).map((l) => l.trim()).join(' ') : '';
      return `tool ${tool} on ${server} ${d.change === 'added' ? 'added' : 'CHANGED'}${first ? `: ${safe(first, 100)}` : ''}`;
    }
    case 'server.new':
      return `new MCP server ${server}`;
    case 'a2a.agent_card':
    case 'a2a.message':
      return `A2A ${server} ${safe(e.method ?? '', 40)}${status(e)}`;
    default:
      return `${e.type} ${safe(e.method ?? '', 10)} ${safe(`${e.host ?? ''}${e.path ?? ''}`, 80)}${status(e)}`.replace(/\s+/g, ' ').trim();
  }
}

function args(d: Record<string, unknown>): string {
  const raw = typeof d.argumentsPreview === 'string' ? d.argumentsPreview : d.arguments !== undefined ? canonicalJson(d.arguments) : undefined;
  return raw === undefined ? '' : ` ${safe(raw, 80)}`;
}

function outcome(e: AuditEvent): string {
  const d = e.data ?? {};
  const result = d.result as { isError?: unknown } | undefined;
  const latency = e.latencyMs !== undefined ? ` ${Math.round(e.latencyMs)} ms` : '';
  if (e.error) return ` → error: ${safe(e.error, 80)}${latency}`;
  if (d.isError === true || result?.isError === true) return ` → tool error${latency}`;
  if (e.latencyMs !== undefined || e.status !== undefined) return ` → ok${latency}`;
  return '';
}

function status(e: AuditEvent): string {
  const parts: string[] = [];
  if (e.status !== undefined) parts.push(String(e.status));
  if (e.latencyMs !== undefined) parts.push(`${Math.round(e.latencyMs)} ms`);
  if (e.error) parts.push(`error: ${safe(e.error, 80)}`);
  return parts.length ? ` → ${parts.join(' ')}` : '';
}

function verdict(e: AuditEvent): string {
  if (e.decision === 'allow' && (e.decidedBy === undefined || e.decidedBy === 'policy' || e.decidedBy === 'default')) return '';
  const by = e.decidedBy ? ` by ${e.decidedBy}` : '';
  const rule = e.rule ? `, rule ${safe(e.rule, 40)}` : '';
  const word = { allow: 'ALLOWED', ask: 'ASKED', deny: 'DENIED', redact: 'REDACTED' }[e.decision] ?? e.decision;
  // An ask stays 'ask' in the log whoever answered: the outcome says whether it went through.
  const answered = e.decision === 'ask' && e.data?.outcome === 'allow' ? ' → let through' : e.decision === 'ask' && e.data?.outcome === 'deny' ? ' → refused' : '';
  return `  [${word}${by}${rule}${answered}]`;
}

function clock(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '--:--:--' : new Date(t).toISOString().slice(11, 19);
}

/** No control or invisible characters reach the terminal; long values are cut. */
function safe(s: string, max: number): string {
  const flat = String(s).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => (c === '\n' || c === '\t' ? ' ' : '?'));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
