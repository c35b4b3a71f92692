import { redactSecrets } from '../detectors/secret-rules.js';
import type { GuardAction } from '../pipeline/action.js';
import { readPath } from '../policy/evaluate.js';
import { neutralise, neutraliseLine } from './neutralise.js';
import type { ApprovalRequest, ApprovalSummary } from './types.js';

const SEVERITY_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;

function describeAction(a: GuardAction): string {
  const tool = a.tool ? neutraliseLine(a.tool, 80) : undefined;
  const server = a.server ? neutraliseLine(a.server, 80) : undefined;
  switch (a.kind) {
    case 'mcp.tool_call':
      return a.phase === 'response' ? `Result of ${tool ?? 'a tool'} from ${server ?? 'an MCP server'}` : `${a.client} wants to run ${tool ?? 'a tool'} on ${server ?? 'an MCP server'}`;
    case 'llm.tool_use':
      return `The model asks ${a.client} to run ${tool ?? 'a tool'}`;
    case 'llm.request':
      return `${a.client} is sending a request to ${neutraliseLine(a.provider ?? a.host ?? 'an LLM', 80)}`;
    case 'mcp.tools_list':
      return `${server ?? 'An MCP server'} offers tools to ${a.client}`;
    case 'mcp.initialize':
      return `${a.client} is connecting to ${server ?? 'an MCP server'}`;
    case 'mcp.resource_read':
      return `${a.client} wants to read ${neutraliseLine(a.uri ?? 'a resource', 120)} from ${server ?? 'an MCP server'}`;
    default:
      return `${a.client}: ${a.kind}${tool ? ` ${tool}` : ''}${a.host ? ` to ${neutraliseLine(a.host, 80)}` : ''}`;
  }
}

/** The argument a finding points at ("arguments.command" → that value), shown with secrets masked. */
function highlightOf(req: ApprovalRequest): ApprovalSummary['highlight'] {
  const ranked = [...req.findings].sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity]);
  for (const f of ranked) {
    if (!f.where?.startsWith('arguments')) continue;
    const path = f.where.slice('arguments'.length).replace(/^\./, '');
    const value = path ? readPath(req.action.arguments, path) : req.action.arguments;
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return { where: neutraliseLine(f.where, 120), text: neutralise(redactSecrets(text), 600) };
  }
  // Asked for what the tool is (a risky name, a destructive hint), not for an argument: the
  // arguments are still what the human must see to decide ("delete_file" of which file?).
  const args = req.action.arguments;
  if (args !== undefined && !(typeof args === 'object' && args !== null && Object.keys(args).length === 0)) {
    return { where: 'arguments', text: neutralise(redactSecrets(typeof args === 'string' ? args : JSON.stringify(args)), 600) };
  }
  return undefined;
}

/** A plain-language account of what is asked and why, safe to show and to store (no secrets, no escapes). */
export function buildSummary(req: ApprovalRequest): ApprovalSummary {
  const a = req.action;
  const details: string[] = [];
  if (a.host) details.push(`host: ${neutraliseLine(a.host, 120)}`);
  if (a.model) details.push(`model: ${neutraliseLine(a.model, 80)}`);
  if (a.uri) details.push(`resource: ${neutraliseLine(redactSecrets(a.uri), 200)}`);
  if (a.toolChange) details.push(`change: ${neutralise(a.toolChange, 800)}`);
  if (req.reason) details.push(`policy: ${neutraliseLine(req.reason, 300)}`);
  return {
    title: neutraliseLine(describeAction(a), 200),
    client: neutraliseLine(a.client, 80),
    server: a.server ? neutraliseLine(a.server, 120) : undefined,
    tool: a.tool ? neutraliseLine(a.tool, 120) : undefined,
    highlight: highlightOf(req),
    findings: req.findings.map((f) => ({
      detector: f.detector,
      severity: f.severity,
      message: neutralise(f.message, 400),
      where: f.where ? neutraliseLine(f.where, 120) : undefined,
      // Evidence for secrets is already masked; anything else is neutralised and scrubbed once more.
      evidence: f.evidence ? neutralise(f.secretValues ? f.evidence : redactSecrets(f.evidence), 300) : undefined,
    })),
    details,
  };
}

