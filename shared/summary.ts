/**
 * One-line, plain-words summaries of audit events and approvals, shared by the
 * dashboard, the tray prompt and notifications. Every untrusted part goes through
 * neutralise().
 */
import type { ApprovalSubject, PendingApproval } from './api.js';
import type { AuditEvent } from './events.js';
import { neutralise } from './neutralise.js';

const n = (v: unknown, max = 80) => neutralise(v, { max });

export function clientLabel(client: string): string {
  const names: Record<string, string> = {
    cursor: 'Cursor',
    'claude-desktop': 'Claude Desktop',
    'claude-code': 'Claude Code',
    vscode: 'VS Code',
    windsurf: 'Windsurf',
    'openai-sdk': 'OpenAI SDK',
    'anthropic-sdk': 'Anthropic SDK',
    curl: 'curl',
    unknown: 'An unknown app',
  };
  return names[client] ?? n(client, 40);
}

export function eventSummary(e: AuditEvent): string {
  const who = clientLabel(e.client);
  switch (e.type) {
    case 'llm.request':
      return `${who} → ${n(e.provider ?? e.host ?? 'LLM')}${e.model ? ` (${n(e.model, 60)})` : ''}`;
    case 'llm.tool_use':
      return `${n(e.model ?? e.provider ?? 'Model')} asked ${who} to run ${n(e.tool ?? 'a tool')}`;
    case 'mcp.tool_call':
      return `${who} called ${n(e.tool ?? '?')} on ${n(e.server ?? 'an MCP server')}`;
    case 'mcp.tools_list':
      return `${who} listed the tools of ${n(e.server ?? 'an MCP server')}`;
    case 'mcp.initialize':
      return `${who} connected to ${n(e.server ?? 'an MCP server')}`;
    case 'mcp.resource_read':
      return `${who} read a resource from ${n(e.server ?? 'an MCP server')}`;
    case 'mcp.prompt_get':
      return `${who} fetched a prompt from ${n(e.server ?? 'an MCP server')}`;
    case 'tool.changed':
      return `Tool ${n(e.tool ?? '?')} on ${n(e.server ?? '?')} changed since it was approved`;
    case 'server.new':
      return `New MCP server ${n(e.server ?? '?')} for ${who}`;
    case 'approval':
      return `Approval: ${n(e.tool ?? e.server ?? e.host ?? '')}`;
    case 'http':
      return `${who} ${n(e.method ?? 'GET', 10)} ${n(e.host ?? '')}${n(e.path ?? '', 60)}`;
    default:
      return `${who}: ${e.type}${e.server ? ` ${n(e.server)}` : ''}${e.tool ? ` ${n(e.tool)}` : ''}`;
  }
}

export function subjectSummary(s: ApprovalSubject): string {
  const who = clientLabel(s.client);
  if (s.tool) return `${who} wants to run ${n(s.tool, 60)}${s.server ? ` on ${n(s.server, 60)}` : ''}`;
  if (s.uri) return `${who} wants to read ${n(s.uri, 100)}`;
  if (s.host) return `${who} wants to send ${n(s.method ?? 'a request', 10)} to ${n(s.host, 80)}`;
  return `${who} wants to do ${n(s.kind, 40)}`;
}

/** The approval's headline: the core's summary when given (neutralised), else built from the subject. */
export function approvalHeadline(a: PendingApproval): string {
  if (!a.summary) return subjectSummary(a.subject);
  const text = neutralise(a.summary, { max: 160 });
  // The core writes the client's id ("claude-code wants to run …"); people read its name.
  const label = clientLabel(a.subject.client);
  return label === a.subject.client ? text : text.split(' ').map((w) => (w === a.subject.client ? label : w)).join(' ');
}

/**
 * The single argument that makes an action risky, for highlighting: the core's highlight
 * (secrets already masked), else a finding's evidence, else a short arguments preview.
 */
export function riskyPart(a: Pick<PendingApproval, 'findings' | 'subject' | 'highlight'>): string | undefined {
  if (a.highlight?.text) return neutralise(a.highlight.text, { max: 300 });
  const withEvidence = [...a.findings].sort((x, y) => sev(y.severity) - sev(x.severity)).find((f) => f.evidence);
  if (withEvidence?.evidence) return neutralise(withEvidence.evidence, { max: 300 });
  if (a.subject.arguments !== undefined) return neutralise(a.subject.arguments, { max: 300 });
  return undefined;
}

function sev(s: string): number {
  return ['low', 'medium', 'high', 'critical'].indexOf(s);
}

/** Milliseconds left before an approval expires (never negative). */
export function msLeft(a: Pick<PendingApproval, 'expiresAt'>, now = Date.now()): number | undefined {
  if (!a.expiresAt) return undefined;
  return Math.max(0, Date.parse(a.expiresAt) - now);
}
