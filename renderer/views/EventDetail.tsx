import { useEffect, useState } from 'react';
import type { FindingView } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';
import { formatBytes, formatCostUsd } from '../../shared/format.js';
import { neutralise } from '../../shared/neutralise.js';
import { clientLabel, eventSummary } from '../../shared/summary.js';
import { decidedByText, decisionText } from '../lib/decision.js';
import { errorText, type Api } from '../lib/api.js';

function findingsOf(e: AuditEvent): FindingView[] {
  const f = e.data.findings;
  return Array.isArray(f) ? (f.filter((x) => x && typeof x === 'object' && 'message' in x) as FindingView[]) : [];
}

/** One event: plain summary, facts, findings, and its timeline (linked events and the rest of its session). */
export function EventDetail({ api, event, onOpen }: { api: Api; event: AuditEvent; onOpen: (e: AuditEvent) => void }) {
  const [linked, setLinked] = useState<AuditEvent[]>([]);
  const [session, setSession] = useState<AuditEvent[]>([]);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    setLinked([]);
    setSession([]);
    setError(undefined);
    Promise.all((event.links ?? []).slice(0, 20).map((id) => api.event(id).catch(() => undefined)))
      .then((l) => live && setLinked(l.filter((x): x is AuditEvent => !!x)))
      .catch((err) => live && setError(errorText(err)));
    if (event.session) {
      api
        .events({ session: event.session, limit: 50 })
        .then((r) => live && setSession(r.events.filter((e) => e.id !== event.id).reverse()))
        .catch((err) => live && setError(errorText(err)));
    }
    return () => {
      live = false;
    };
  }, [api, event]);

  const findings = findingsOf(event);
  const usage = event.data.usage as { inputTokens?: number; outputTokens?: number } | undefined;
  const cost = event.data.costUsd as number | 'unknown' | undefined;
  const fact = (label: string, value: unknown) =>
    value === undefined || value === null || value === '' ? null : (
      <>
        <dt>{label}</dt>
        <dd>{neutralise(value, { max: 200 })}</dd>
      </>
    );

  return (
    <div className="event-detail">
      <h2>{eventSummary(event)}</h2>
      <p>
        <span className={`decision decision-${event.decision}`}>{decisionText(event)}</span>
        {event.decidedBy && <span className="muted"> by {decidedByText(event.decidedBy)}</span>}
        {event.rule && <span className="muted"> (rule {neutralise(event.rule, { max: 80 })})</span>}
        {event.risk && event.risk !== 'none' && <span className={`risk risk-${event.risk}`}>{event.risk}</span>}
      </p>
      {error && <p className="error">{error}</p>}
      {findings.length > 0 && (
        <>
          <h3>Findings</h3>
          <ul className="findings">
            {findings.map((f, i) => (
              <li key={i}>
                <span className={`risk risk-${f.severity}`}>{f.severity}</span> {neutralise(f.message, { max: 300 })}
                {f.evidence && <code> {neutralise(f.evidence, { max: 120 })}</code>}
              </li>
            ))}
          </ul>
        </>
      )}
      <dl className="facts">
        {fact('Time', new Date(event.time).toLocaleString())}
        {fact('Client', clientLabel(event.client))}
        {fact('Kind', event.type)}
        {fact('Provider', event.provider)}
        {fact('Model', event.model)}
        {fact('Server', event.server)}
        {fact('Tool', event.tool)}
        {fact('Request', event.method && `${event.method} ${event.host ?? ''}${event.path ?? ''}`)}
        {fact('Status', event.status)}
        {fact('Latency', event.latencyMs !== undefined ? `${Math.round(event.latencyMs)} ms` : undefined)}
        {fact('Bytes', event.bytesIn !== undefined || event.bytesOut !== undefined ? `${formatBytes(event.bytesOut)} out, ${formatBytes(event.bytesIn)} in` : undefined)}
        {fact('Tokens', usage ? `${usage.inputTokens ?? 0} in, ${usage.outputTokens ?? 0} out` : undefined)}
        {fact('Cost', cost !== undefined ? formatCostUsd(cost) : undefined)}
        {fact('Error', event.error)}
        {fact('Seq', event.seq)}
      </dl>
      {(linked.length > 0 || session.length > 0) && (
        <>
          <h3>Timeline</h3>
          <ol className="timeline">
            {[...linked, ...session.filter((s) => !linked.some((l) => l.id === s.id))]
              .sort((a, b) => a.seq - b.seq)
              .map((e) => (
                <li key={e.id}>
                  <button type="button" className="link" onClick={() => onOpen(e)}>
                    {new Date(e.time).toLocaleTimeString()} · {eventSummary(e)} · {decisionText(e)}
                  </button>
                </li>
              ))}
          </ol>
        </>
      )}
      <details>
        <summary>Recorded data</summary>
        <pre className="json">{neutralise(JSON.stringify(event.data, null, 2), { max: 20_000, multiline: true })}</pre>
      </details>
    </div>
  );
}
