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
    data: {
      ...(flow.base.data ?? {}),
      ...(facts.event?.data ?? {}),
      // An ask reads 'ask' in `decision` whatever the human answered: the outcome says
      // whether the flow went through, and a refusal keeps the reason it was given.
      ...(verdict ? { outcome: verdict.outcome } : {}),
      ...(verdict?.outcome === 'deny' ? { refused: 'request', ...(verdict.reason ? { reason: verdict.reason } : {}) } : {}),
      ...(verdict && verdict.findings.length ? { findings: verdict.findings.map(stripSecretValues) } : {}),
      ...(verdict?.heldMs ? { heldMs: verdict.heldMs } : {}),
      ...(verdict?.approvalId ? { approvalId: verdict.approvalId } : {}),
      ...(aborted && !error ? { aborted: true } : {}),
      ...(flow.process ? { process: flow.process } : {}),
    },
  };
}

function stripSecretValues<T extends { secretValues?: string[] }>(finding: T): Omit<T, 'secretValues'> {
  const { secretValues: _secrets, ...rest } = finding;
  return rest;
}
