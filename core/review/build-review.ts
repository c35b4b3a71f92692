import type { ReviewClient, ReviewItem, ReviewReport } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';
import { eventSummary } from '../../shared/summary.js';

/** What became of an approval, from the approvals table (allowed, denied, expired). */
export type ApprovalStatusOf = (approvalId: string) => string | undefined;

const FLOW_PROTOCOLS = new Set(['llm', 'mcp', 'a2a', 'http']);
/** Extra lines a flow writes about itself (a model's tool call): not calls of their own. */
const NOT_CALLS = new Set(['llm.tool_use', 'tool.changed', 'server.new', 'alert', 'system', 'siem.dropped', 'approval']);
const KEY_ORDER: ReviewItem['kind'][] = ['alert', 'denied', 'timed-out', 'asked', 'tool-changed', 'new-server', 'remembered'];
/** Key actions listed per client; the counts are always complete. */
const MAX_ITEMS = 200;

type Outcome = 'allowed' | 'denied' | 'timed-out';

/** Allowed, denied or timed out, from the event and (for human answers) the approval record. */
export function outcomeOf(e: AuditEvent, approvalStatus?: ApprovalStatusOf): Outcome {
  if (e.decidedBy === 'timeout' || e.decidedBy === 'unavailable') return 'timed-out';
  if (e.decision === 'deny') return 'denied';
  if (e.data?.outcome === 'deny' || e.data?.refused || e.data?.brokerRefused) return 'denied';
  const approvalId = typeof e.data?.approvalId === 'string' ? e.data.approvalId : undefined;
  const status = approvalId ? approvalStatus?.(approvalId) : undefined;
  if (status === 'denied') return 'denied';
  if (status === 'expired') return 'timed-out';
  if (status === 'allowed') return 'allowed';
  // No record: a held request answered 403 by Belay was refused.
  if (e.decision === 'ask' && e.status === 403) return 'denied';
  return 'allowed';
}

interface Acc extends ReviewClient {
  hostMap: Map<string, number>;
  toolMap: Map<string, { server?: string; tool: string; calls: number }>;
  modelMap: Map<string, ReviewClient['models'][number]>;
  rememberedMap: Map<string, { rule: string; uses: number; lastEventId: string }>;
}

function newAcc(client: string): Acc {
  return {
    client,
    calls: 0,
    byType: {},
    hosts: [],
    tools: [],
    models: [],
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    unpriced: 0,
    asked: 0,
    allowed: 0,
    denied: 0,
    timedOut: 0,
    errors: 0,
    keyActions: [],
    toolsChanged: [],
    alerts: [],
    remembered: [],
    hostMap: new Map(),
    toolMap: new Map(),
    modelMap: new Map(),
    rememberedMap: new Map(),
  };
}

const item = (kind: ReviewItem['kind'], e: AuditEvent, summary = eventSummary(e)): ReviewItem => ({ kind, eventId: e.id, time: e.time, summary: summary.slice(0, 300) });

/**
 * The review of a period: per client what it called, what it cost, what was asked,
 * allowed, denied and timed out, which tools changed, which alerts fired and which
 * remembered answers were used, key actions first, each pointing at its event id.
 */
export function buildReview(events: Iterable<AuditEvent>, period: { since: number; until: number }, approvalStatus?: ApprovalStatusOf, now = Date.now()): ReviewReport {
  const clients = new Map<string, Acc>();
  const acc = (c: string) => {
    let a = clients.get(c);
    if (!a) clients.set(c, (a = newAcc(c)));
    return a;
  };
  for (const e of events) {
    const t = Date.parse(e.time);
    if (!(t >= period.since && t < period.until)) continue;
    if (e.type === 'alert') {
      // Summary events repeat an alert that already counted; they only refresh its count.
      if (e.data?.summary) continue;
      acc(e.client).alerts.push(item('alert', e, e.error ?? eventSummary(e)));
      continue;
    }
    if (e.type === 'tool.changed') {
      acc(e.client).toolsChanged.push(item('tool-changed', e));
      continue;
    }
    if (e.type === 'server.new') {
      acc(e.client).keyActions.push(item('new-server', e));
      continue;
    }
    if (!FLOW_PROTOCOLS.has(e.protocol) || NOT_CALLS.has(e.type)) continue;
    const a = acc(e.client);
    a.calls++;
    a.byType[e.type] = (a.byType[e.type] ?? 0) + 1;
    if (e.host) a.hostMap.set(e.host, (a.hostMap.get(e.host) ?? 0) + 1);
    if (e.type === 'mcp.tool_call' && e.tool) {
      const k = `${e.server ?? ''}\u0000${e.tool}`;
      const t0 = a.toolMap.get(k) ?? { ...(e.server ? { server: e.server } : {}), tool: e.tool, calls: 0 };
      t0.calls++;
      a.toolMap.set(k, t0);
    }
    if (e.type === 'llm.request') {
      const usage = (e.data?.usage ?? {}) as { inputTokens?: number; outputTokens?: number };
      const cost = typeof e.data?.costUsd === 'number' ? e.data.costUsd : undefined;
      const model = e.model ?? '(unknown)';
      const m = a.modelMap.get(model) ?? { model, requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      m.requests++;
      m.inputTokens += usage.inputTokens ?? 0;
      m.outputTokens += usage.outputTokens ?? 0;
      m.costUsd += cost ?? 0;
      a.modelMap.set(model, m);
      a.inputTokens += usage.inputTokens ?? 0;
      a.outputTokens += usage.outputTokens ?? 0;
      a.costUsd += cost ?? 0;
      if (cost === undefined) a.unpriced++;
    }
    if ((e.status !== undefined && e.status >= 400) || e.error) a.errors++;
    const outcome = outcomeOf(e, approvalStatus);
    if (outcome === 'allowed') a.allowed++;
    else if (outcome === 'denied') a.denied++;
    else a.timedOut++;
    if (e.decision === 'ask') a.asked++;
    if (outcome === 'denied') a.keyActions.push(item('denied', e));
    else if (outcome === 'timed-out') a.keyActions.push(item('timed-out', e));
    else if (e.decision === 'ask' && e.decidedBy !== 'remembered') a.keyActions.push(item('asked', e));
    if (e.decidedBy === 'remembered') {
      const rule = `${e.rule ?? 'remembered'}: ${e.tool ?? e.server ?? e.host ?? e.type}`;
      const r = a.rememberedMap.get(rule) ?? { rule, uses: 0, lastEventId: e.id };
      r.uses++;
      r.lastEventId = e.id;
      a.rememberedMap.set(rule, r);
    }
  }

  const out: ReviewClient[] = [...clients.values()].map((a) => {
    const { hostMap, toolMap, modelMap, rememberedMap, ...c } = a;
    c.hosts = [...hostMap].map(([host, calls]) => ({ host, calls })).sort((x, y) => y.calls - x.calls || x.host.localeCompare(y.host));
    c.tools = [...toolMap.values()].sort((x, y) => y.calls - x.calls || x.tool.localeCompare(y.tool));
    c.models = [...modelMap.values()].map((m) => ({ ...m, costUsd: round(m.costUsd) })).sort((x, y) => y.costUsd - x.costUsd || y.requests - x.requests);
    c.costUsd = round(c.costUsd);
    c.remembered = [...rememberedMap.values()].sort((x, y) => y.uses - x.uses);
    const remembered = c.remembered.map((r) => ({ kind: 'remembered' as const, eventId: r.lastEventId, time: '', summary: `${r.rule} (used ${r.uses}×)` }));
    const all = [...c.alerts, ...c.keyActions, ...c.toolsChanged, ...remembered];
    c.keyActions = all
      .sort((x, y) => KEY_ORDER.indexOf(x.kind) - KEY_ORDER.indexOf(y.kind) || y.time.localeCompare(x.time))
      .slice(0, MAX_ITEMS);
    return c;
  });
  // Clients with something to look at first, then by activity.
  out.sort((x, y) => y.alerts.length + y.denied + y.timedOut - (x.alerts.length + x.denied + x.timedOut) || y.calls - x.calls || x.client.localeCompare(y.client));
  const sum = (f: (c: ReviewClient) => number) => out.reduce((n, c) => n + f(c), 0);
  return {
    since: new Date(period.since).toISOString(),
    until: new Date(period.until).toISOString(),
    generatedAt: new Date(now).toISOString(),
    totals: {
      calls: sum((c) => c.calls),
      costUsd: round(sum((c) => c.costUsd)),
      asked: sum((c) => c.asked),
      allowed: sum((c) => c.allowed),
      denied: sum((c) => c.denied),
      timedOut: sum((c) => c.timedOut),
      alerts: sum((c) => c.alerts.length),
      toolsChanged: sum((c) => c.toolsChanged.length),
    },
    clients: out,
  };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
