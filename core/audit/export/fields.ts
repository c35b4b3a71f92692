import type { AuditEvent, Risk } from '../../../shared/events.js';

/** Facts several export formats read out of an event's free-form `data`. */

export interface TokenUsage {
  input?: number;
  output?: number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Token counts from data.usage (camelCase as the LLM parsers write it, or the providers' snake_case). */
export function tokenUsage(e: AuditEvent): TokenUsage {
  const u = obj(e.data.usage) ?? e.data;
  return {
    input: num(u.inputTokens) ?? num(u.input_tokens) ?? num(u.prompt_tokens),
    output: num(u.outputTokens) ?? num(u.output_tokens) ?? num(u.completion_tokens),
  };
}

export interface FindingLike {
  detector?: string;
  severity?: string;
  message?: string;
  ruleId?: string;
  where?: string;
}

/** Detector findings attached to an event (data.findings), if any. */
export function findings(e: AuditEvent): FindingLike[] {
  const f = e.data.findings;
  return Array.isArray(f) ? f.filter((x): x is FindingLike => obj(x) !== undefined) : [];
}

/** Traffic, tool calls and detections are told apart the same way by every format. */
export type EventFamily = 'traffic' | 'tool' | 'detection' | 'other';

export function familyOf(e: AuditEvent): EventFamily {
  if (e.type === 'alert' || e.type === 'tool.changed' || e.type === 'server.new') return 'detection';
  if (e.type.startsWith('mcp.') || e.type === 'llm.tool_use') return 'tool';
  if (e.type === 'llm.request' || e.type === 'http' || e.type.startsWith('a2a.')) return 'traffic';
  return 'other';
}

/** Did the flow work? Refused, errored or 4xx/5xx flows failed. */
export function outcomeOf(e: AuditEvent): 'success' | 'failure' | 'unknown' {
  if (e.decision === 'deny' || e.error) return 'failure';
  if (e.status !== undefined) return e.status >= 400 ? 'failure' : 'success';
  return e.protocol === 'belay' ? 'unknown' : 'success';
}

export const RISK_ORDER: Risk[] = ['none', 'low', 'medium', 'high', 'critical'];

/** The risk an event carries, raised to at least medium when Belay refused it. */
export function effectiveRisk(e: AuditEvent): Risk {
  const r = e.risk ?? 'none';
  if (e.decision === 'deny' && RISK_ORDER.indexOf(r) < 2) return 'medium';
  return r;
}

/** The full URL when the host is known (https unless the flow recorded data.scheme = 'http'). */
export function urlOf(e: AuditEvent): string | undefined {
  if (!e.host) return undefined;
  const scheme = e.data.scheme === 'http' ? 'http' : 'https';
  return `${scheme}://${e.host}${e.path ?? ''}`;
}

export function splitPath(p: string | undefined): { path?: string; query?: string } {
  if (p === undefined) return {};
  const q = p.indexOf('?');
  return q < 0 ? { path: p } : { path: p.slice(0, q), query: p.slice(q + 1) };
}
