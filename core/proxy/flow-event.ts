import type { NewAuditEvent } from '../../shared/events.js';
import type { FlowFacts, ProxyFlow } from './flow.js';

/**
 * The audit event one proxied flow leaves behind: what the proxy saw (head, sizes,
 * timing), what the guard decided, and what protocol analysis added. Kept apart from the
 * flow bookkeeping so the shape of the record can be read in one place.
 */
export function flowEvent(flow: ProxyFlow, facts: FlowFacts, end: { endedAt: number; aborted: boolean; error?: string }): NewAuditEvent {
  const { endedAt, aborted, error } = end;
  const verdict = flow.verdict;
  return {
    type: 'http',
    protocol: 'http',
    transport: 'proxy',
    client: flow.client,
    startedAt: flow.startedAt,
    method: flow.method,
    host: flow.host,
    path: flow.path,
    status: flow.status,
    latencyMs: Math.max(0, endedAt - flow.startedAt),
    bytesIn: flow.bytesIn,
    bytesOut: flow.bytesOut,
    decision: verdict?.decision ?? 'allow',
    decidedBy: verdict?.decidedBy ?? 'default',
    rule: verdict?.rule,
    risk: verdict?.risk,
    error: error ?? flow.error,
    ...flow.base,
    ...facts.event,
    data: flowData(flow, facts, aborted, error),
  };
}

/**
 * The event's data: the request's and the response's facts, then the verdict's. Built by
 * assignment rather than conditional spreads (one object, not one per field): this runs
 * for every proxied request.
 */
function flowData(flow: ProxyFlow, facts: FlowFacts, aborted: boolean, error: string | undefined): NonNullable<NewAuditEvent['data']> {
  const verdict = flow.verdict;
  const data: Record<string, unknown> = Object.assign({}, flow.base.data, facts.event?.data);
  if (verdict) {
    // An ask reads 'ask' in `decision` whatever the human answered: the outcome says
    // whether the flow went through, and a refusal keeps the reason it was given.
    data.outcome = verdict.outcome;
    if (verdict.outcome === 'deny') {
      data.refused = 'request';
      if (verdict.reason) data.reason = verdict.reason;
    }
    if (verdict.findings.length) data.findings = verdict.findings.map(stripSecretValues);
    if (verdict.heldMs) data.heldMs = verdict.heldMs;
    if (verdict.approvalId) data.approvalId = verdict.approvalId;
  }
  if (aborted && !error) data.aborted = true;
  if (flow.process) data.process = flow.process;
  if (flow.connectedTo) data.connectedTo = flow.connectedTo;
  return data;
}

function stripSecretValues<T extends { secretValues?: string[] }>(finding: T): Omit<T, 'secretValues'> {
  const { secretValues: _secrets, ...rest } = finding;
  return rest;
}
