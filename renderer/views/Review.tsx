import { useCallback, useEffect, useState } from 'react';
import type { AlertView, ReviewClient, ReviewItem, ReviewReport } from '../../shared/api.js';
import type { AuditEvent } from '../../shared/events.js';
import { formatCostUsd } from '../../shared/format.js';
import { neutralise } from '../../shared/neutralise.js';
import { clientLabel } from '../../shared/summary.js';
import { ApiError, errorText, type Api } from '../lib/api.js';
import { EventDetail } from './EventDetail.js';

const KIND_LABEL: Record<ReviewItem['kind'], string> = {
  alert: 'Alert',
  denied: 'Denied',
  'timed-out': 'Timed out',
  asked: 'Asked',
  'tool-changed': 'Tool changed',
  'new-server': 'New server',
  remembered: 'Remembered answer',
};

/** `#tab=review&event=ID` (the links `belay review` prints) opens that event here. */
function eventFromHash(): string | undefined {
  return new URLSearchParams(location.hash.replace(/^#/, '')).get('event') ?? undefined;
}

function Alerts({ api, alerts, onChange }: { api: Api; alerts: AlertView[]; onChange: () => void }) {
  const [error, setError] = useState<string>();
  const ack = async (id?: string) => {
    try {
      if (id) await api.ackAlert(id);
      else await api.ackAllAlerts();
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section aria-labelledby="alerts-h">
      <h2 id="alerts-h">Open alerts</h2>
      {error && <p role="alert" className="error">{error}</p>}
      {alerts.length === 0 ? (
        <p className="empty">No open alerts.</p>
      ) : (
        <>
          <button type="button" onClick={() => void ack()}>
            Acknowledge all
          </button>
          <ul className="alerts">
            {alerts.map((a) => (
              <li key={a.id} className={`alert severity-${a.severity}`}>
                <strong>{a.kind}</strong> {neutralise(a.message)}
                {a.count > 1 && <span className="badge"> ×{a.count}</span>} <time dateTime={a.lastAt}>{new Date(a.lastAt).toLocaleString()}</time>{' '}
                <button type="button" onClick={() => void ack(a.id)} aria-label={`Acknowledge alert: ${a.message}`}>
                  Acknowledge
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ClientReview({ c, onOpen }: { c: ReviewClient; onOpen: (id: string) => void }) {
  return (
    <section className="review-client" aria-label={`Review of ${clientLabel(c.client)}`}>
      <h3>{clientLabel(c.client)}</h3>
      <dl className="facts">
        <dt>Calls</dt>
        <dd>
          {c.calls} ({Object.entries(c.byType).map(([k, v]) => `${k} ${v}`).join(', ')}), errors {c.errors}
        </dd>
        <dt>Cost</dt>
        <dd>
          {formatCostUsd(c.costUsd)} · {c.inputTokens} tokens in / {c.outputTokens} out{c.unpriced ? ` · ${c.unpriced} unpriced` : ''}
        </dd>
        <dt>Decisions</dt>
        <dd>
          asked {c.asked}, allowed {c.allowed}, denied {c.denied}, timed out {c.timedOut}
        </dd>
        <dt>Hosts</dt>
        <dd>{c.hosts.map((h) => `${neutralise(h.host)} ${h.calls}`).join(', ') || 'none'}</dd>
        <dt>MCP tools</dt>
        <dd>{c.tools.map((t) => `${neutralise(t.server ? `${t.server}/${t.tool}` : t.tool)} ${t.calls}`).join(', ') || 'none'}</dd>
        <dt>Remembered answers used</dt>
        <dd>{c.remembered.map((r) => `${neutralise(r.rule)} ${r.uses}×`).join(', ') || 'none'}</dd>
      </dl>
      {c.keyActions.length > 0 && (
        <>
          <h4>Key actions</h4>
          <ul className="key-actions">
            {c.keyActions.map((a, i) => (
              <li key={`${a.eventId}-${i}`} className={`key-${a.kind}`}>
                <strong>{KIND_LABEL[a.kind]}</strong> {a.time && <time dateTime={a.time}>{new Date(a.time).toLocaleString()}</time>} {neutralise(a.summary)}{' '}
                <button type="button" className="link" onClick={() => onOpen(a.eventId)}>
                  event
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The weekly review: per client what it did, key actions first; and the open alerts to acknowledge. */
export function Review({ api, onAlertsChanged }: { api: Api; onAlertsChanged?: () => void }) {
  const [days, setDays] = useState(7);
  const [report, setReport] = useState<ReviewReport>();
  const [alerts, setAlerts] = useState<AlertView[]>([]);
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<AuditEvent>();

  const refreshAlerts = useCallback(() => {
    api.alerts().then(
      (r) => {
        setAlerts(r.alerts);
        onAlertsChanged?.();
      },
      (e) => setError(e instanceof ApiError && e.status === 501 ? 'Alerts are not available in this Belay.' : errorText(e)),
    );
  }, [api, onAlertsChanged]);

  const openEvent = useCallback(
    (id: string) => {
      api.event(id).then(setOpen, (e) => setError(errorText(e)));
    },
    [api],
  );

  useEffect(() => {
    setReport(undefined);
    api.review(Date.now() - days * 86_400_000).then(setReport, (e) => setError(e instanceof ApiError && e.status === 501 ? 'The review is not available in this Belay.' : errorText(e)));
  }, [api, days]);
  useEffect(() => refreshAlerts(), [refreshAlerts]);
  useEffect(() => {
    const id = eventFromHash();
    if (id) openEvent(id);
  }, [openEvent]);

  return (
    <div className="review">
      <Alerts api={api} alerts={alerts} onChange={refreshAlerts} />
      <section aria-labelledby="review-h">
        <h2 id="review-h">Review</h2>
        <label>
          Period{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={1}>last day</option>
            <option value={7}>last 7 days</option>
            <option value={30}>last 30 days</option>
          </select>
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        {!report && !error && <p>Loading…</p>}
        {report && (
          <>
            <p className="totals">
              {report.totals.calls} calls, {formatCostUsd(report.totals.costUsd)} · asked {report.totals.asked}, allowed {report.totals.allowed}, denied {report.totals.denied}, timed out{' '}
              {report.totals.timedOut} · {report.totals.alerts} alerts · {report.totals.toolsChanged} tools changed
            </p>
            {report.clients.length === 0 && <p className="empty">No copilot activity in this period.</p>}
            {report.clients.map((c) => (
              <ClientReview key={c.client} c={c} onOpen={openEvent} />
            ))}
          </>
        )}
      </section>
      {open && (
        <aside className="detail" aria-label="Event detail">
          <button type="button" className="link" onClick={() => setOpen(undefined)}>
            close
          </button>
          <EventDetail api={api} event={open} onOpen={setOpen} />
        </aside>
      )}
    </div>
  );
}
