import type { Database } from 'better-sqlite3';
import type { AuditEvent } from '../../shared/events.js';
import { rowToEvent, type EventRow } from '../audit/rows.js';
import type { ActionKind, Finding, GuardAction, ToolAnnotations } from '../pipeline/action.js';
import { evaluatePolicy } from './evaluate.js';
import type { Policy } from './schema.js';

export interface DryRunChange {
  eventId: string;
  seq: number;
  time: string;
  summary: string;
  before: AuditEvent['decision'];
  after: AuditEvent['decision'];
  rule?: string;
}

export interface DryRunResult {
  /** Events replayed (flow events with a recorded decision). */
  total: number;
  /** Events skipped: not a flow, or decided by something policy does not control (pause, errors). */
  skipped: number;
  changed: DryRunChange[];
}

const FLOW_KINDS = new Set<string>([
  'llm.request', 'llm.tool_use', 'mcp.initialize', 'mcp.tools_list', 'mcp.tool_call', 'mcp.resource_read', 'mcp.prompt_get', 'mcp.message', 'a2a.message', 'http',
]);

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Rebuilds the action an event recorded, as far as the log keeps it: the columns plus
 * data.arguments (capped, secrets redacted), data.annotations, data.toolPin/approvedPin,
 * data.phase and data.findings. Detectors are not re-run (the log holds no raw prompts):
 * the recorded findings are judged by the candidate policy, which is what a policy
 * change alters.
 */
export function actionFromEvent(e: AuditEvent): { action: GuardAction; findings: Finding[] } | undefined {
  if (!FLOW_KINDS.has(e.type) || e.transport === 'internal') return undefined;
  const d = e.data ?? {};
  const action: GuardAction = {
    kind: e.type as ActionKind,
    client: e.client,
    transport: e.transport,
    host: e.host, path: e.path, method: e.method, provider: e.provider, model: e.model, server: e.server, tool: e.tool, session: e.session,
    arguments: d.arguments,
    annotations: obj(d.annotations) as ToolAnnotations | undefined,
    toolPin: str(d.toolPin),
    approvedPin: str(d.approvedPin),
    phase: d.phase === 'response' ? 'response' : undefined,
    uri: str(d.uri),
  };
  const findings = Array.isArray(d.findings) ? (d.findings.filter((f) => obj(f) && typeof (f as Finding).detector === 'string') as Finding[]) : [];
  return { action, findings };
}

function describe(e: AuditEvent): string {
  const what = e.tool ? `${e.server ?? e.host ?? ''}/${e.tool}` : (e.host ?? e.server ?? '') + (e.path ?? '');
  return `${e.client} ${e.type} ${what}`.trim();
}

/** Replays the newest `limit` events (default 500) against a candidate policy and lists every decision that would change. */
export function dryRunPolicy(db: Database, candidate: Policy, opts: { limit?: number } = {}): DryRunResult {
  const rows = db.prepare('SELECT * FROM events ORDER BY seq DESC LIMIT ?').all(opts.limit ?? 500) as EventRow[];
  const result: DryRunResult = { total: 0, skipped: 0, changed: [] };
  for (const e of rows.map(rowToEvent).reverse()) {
    const rebuilt = actionFromEvent(e);
    if (!rebuilt || !e.decision || e.decidedBy === 'paused' || e.decidedBy === 'error') {
      result.skipped++;
      continue;
    }
    result.total++;
    const after = evaluatePolicy(candidate, rebuilt.action, rebuilt.findings);
    if (after.decision !== e.decision) {
      result.changed.push({ eventId: e.id, seq: e.seq, time: e.time, summary: describe(e), before: e.decision, after: after.decision, rule: after.rule });
    }
  }
  return result;
}
