import { useEffect, useState } from 'react';
import type { DecisionBody, PendingApproval, RememberedDecision } from '../../shared/api.js';
import { neutralise } from '../../shared/neutralise.js';
import { approvalHeadline, msLeft } from '../../shared/summary.js';
import { ApprovalCard } from '../components/ApprovalCard.js';
import { DecisionForm } from '../components/DecisionForm.js';
import { ApiError, errorText, type Api } from '../lib/api.js';

function Countdown({ approval }: { approval: PendingApproval }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = msLeft(approval, now);
  if (left === undefined) return null;
  return <span className="countdown">refused in {Math.ceil(left / 1000)} s unless you answer</span>;
}

/** Pending approvals (decide here with the same choices as the tray prompt), remembered decisions, and history. */
export function Approvals({ api, pending, version }: { api: Api; pending: PendingApproval[]; version: number }) {
  const [history, setHistory] = useState<PendingApproval[]>([]);
  const [remembered, setRemembered] = useState<RememberedDecision[] | undefined>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    api.approvalHistory().then(setHistory, (e) => setError(errorText(e)));
    api.remembered().then(setRemembered, (e) => (e instanceof ApiError && e.status === 501 ? setRemembered(undefined) : setError(errorText(e))));
    api.markSeen().catch((e) => console.warn('belay: could not clear the missed mark', e));
  }, [api, version]);

  // Pending ones are the cards above; history is what was decided.
  const decided = history.filter((a) => a.status !== 'pending');

  const decide = async (id: string, body: DecisionBody) => {
    setBusy(id);
    try {
      await api.decide(id, { ...body, by: 'dashboard' });
      setError(undefined);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section className="approvals" aria-label="Approvals">
      <h2>Waiting for you {pending.length > 0 && <span className="badge">{pending.length}</span>}</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {pending.length === 0 && <p className="empty">Nothing is waiting. When a copilot tries something your policy asks about, it shows up here and in the tray.</p>}
      {pending.map((a) => (
        <article key={a.id} className="pending" aria-label={approvalHeadline(a)}>
          <ApprovalCard approval={a} />
          <Countdown approval={a} />
          <DecisionForm idPrefix={`d-${a.id}`} busy={busy === a.id} onDecide={(b) => void decide(a.id, b)} />
        </article>
      ))}
      {remembered && (
        <>
          <h2>Remembered decisions</h2>
          {remembered.length === 0 ? (
            <p className="empty">None.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Decision</th>
                  <th>Scope</th>
                  <th>Target</th>
                  <th>Until</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {remembered.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <span className={`decision decision-${r.decision}`}>{r.decision}</span>
                    </td>
                    <td>{r.scope}</td>
                    <td>{neutralise([r.client, r.server, r.tool].filter(Boolean).join(' / '), { max: 120 })}</td>
                    <td>{r.expiresAt ? new Date(r.expiresAt).toLocaleString() : 'always'}</td>
                    <td>
                      <button type="button" onClick={() => api.forget(r.id).then(() => setRemembered((cur) => cur?.filter((x) => x.id !== r.id)), (e) => setError(errorText(e)))}>
                        Forget
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <h2>History</h2>
      {decided.length === 0 ? (
        <p className="empty">No decisions yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Outcome</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {decided.map((a) => (
              <tr key={a.id}>
                <td>{new Date(a.decidedAt ?? a.createdAt).toLocaleString()}</td>
                <td>{approvalHeadline(a)}</td>
                <td>
                  <span className={`decision decision-${a.status}`}>{a.status === 'expired' ? 'missed (refused)' : a.status}</span>
                  {a.remember && a.remember !== 'once' && <span className="muted"> · remembered {a.remember}</span>}
                </td>
                <td>{a.decidedBy === 'human' && a.answeredBy ? `you (${neutralise(a.answeredBy, { max: 40 })})` : (a.decidedBy ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
