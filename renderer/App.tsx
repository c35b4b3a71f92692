import { useCallback, useEffect, useRef, useState } from 'react';
import type { PendingApproval, StatusResponse, StreamMessage } from '../shared/api.js';
import type { AuditEvent } from '../shared/events.js';
import { errorText, type Api } from './lib/api.js';
import { followLive, type LiveState } from './lib/live.js';
import { Approvals } from './views/Approvals.js';
import { Connect } from './views/Connect.js';
import { Inventory } from './views/Inventory.js';
import { Policy } from './views/Policy.js';
import { Settings } from './views/Settings.js';
import { Traffic } from './views/Traffic.js';
import { Usage } from './views/Usage.js';
import { Review } from './views/Review.js';

const tabs = ['traffic', 'approvals', 'inventory', 'policy', 'usage', 'review', 'connect', 'settings'] as const;
type Tab = (typeof tabs)[number];
const tabLabel: Record<Tab, string> = { traffic: 'Traffic', approvals: 'Approvals', inventory: 'Inventory', policy: 'Policy', usage: 'Usage', review: 'Review', connect: 'Connect', settings: 'Settings' };
const stateLabel = { guarding: 'Guarding', paused: 'Paused', attention: 'Waiting for you', error: 'Error' } as const;

function asTab(t: string | null | undefined): Tab | undefined {
  return tabs.includes(t as Tab) ? (t as Tab) : undefined;
}

export function App({ api, startTab }: { api: Api; startTab?: string | null }) {
  const [tab, setTab] = useState<Tab>(() => asTab(startTab) ?? asTab(location.hash.replace(/^#/, '')) ?? 'traffic');

  // The tray opens sections by changing the fragment (#connect, #approvals).
  useEffect(() => {
    const onHash = () => {
      const t = asTab(location.hash.replace(/^#/, ''));
      if (t) setTab(t);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const [status, setStatus] = useState<StatusResponse>();
  const [live, setLive] = useState<LiveState>('connecting');
  const [pending, setPending] = useState<PendingApproval[]>([]);
  const [approvalVersion, setApprovalVersion] = useState(0);
  const [liveEvents, setLiveEvents] = useState<AuditEvent[]>([]);
  const [error, setError] = useState<string>();
  const buffer = useRef<AuditEvent[]>([]);

  // Issue 9: open alerts, for the badge on the Review tab (refreshed when an alert event arrives).
  const [openAlerts, setOpenAlerts] = useState(0);
  const refreshAlerts = useCallback(() => api.alerts().then((r) => setOpenAlerts(r.open), (e) => console.warn('belay: alerts unavailable', e)), [api]);
  const refreshPending = useCallback(() => api.approvals().then(setPending, (e) => console.warn('belay: approvals unavailable', e)), [api]);

  useEffect(() => {
    // Batch live events: one React update per 150 ms however fast traffic flows.
    const flush = setInterval(() => {
      if (buffer.current.length === 0) return;
      const batch = buffer.current;
      buffer.current = [];
      setLiveEvents((cur) => cur.concat(batch));
    }, 150);
    const stop = followLive(
      api,
      (m: StreamMessage) => {
        if (m.type === 'event') buffer.current.push(m.event);
        else if (m.type === 'hello' || m.type === 'status') setStatus(m.status);
        else if (m.type === 'approval') {
          setApprovalVersion((v) => v + 1);
          void refreshPending();
        }
        if (m.type === 'hello') void refreshPending();
        if (m.type === 'hello' || (m.type === 'event' && m.event.type === 'alert')) void refreshAlerts();
      },
      setLive,
    );
    return () => {
      stop();
      clearInterval(flush);
    };
  }, [api, refreshPending, refreshAlerts]);

  const consumed = useCallback(() => setLiveEvents([]), []);
  const go = (t: Tab) => {
    setTab(t);
    history.replaceState(null, '', `#${t}`);
  };

  const pauseFor = async (minutes?: number) => {
    try {
      await api.pause(minutes);
      setStatus(await api.status());
    } catch (err) {
      setError(errorText(err));
    }
  };
  const resume = async () => {
    try {
      await api.resume();
      setStatus(await api.status());
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div className="app">
      <header className="top">
        <h1>Belay</h1>
        {status && (
          <p className={`state state-${status.state}`} role="status" aria-live="polite">
            <span className="dot" aria-hidden="true" /> {stateLabel[status.state]}
            {status.state === 'error' && status.error ? `: ${status.error}` : ''}
            {status.pausedUntil ? ` until ${new Date(status.pausedUntil).toLocaleTimeString()}` : ''}
            {status.missedApprovals > 0 && <span className="badge warn"> {status.missedApprovals} missed</span>}
          </p>
        )}
        <p className={`live live-${live}`}>{live === 'live' ? 'live' : live === 'unauthorised' ? 'token refused: open the dashboard again with `belay open`' : `${live}…`}</p>
        <div className="pause">
          {status?.paused ? (
            <button type="button" onClick={() => void resume()}>
              Resume guarding
            </button>
          ) : (
            <>
              <label htmlFor="pause-for" className="sr-only">
                Pause guarding for
              </label>
              <select
                id="pause-for"
                value=""
                onChange={(e) => {
                  const v = e.target.value;
                  if (v) void pauseFor(v === 'until' ? undefined : Number(v));
                }}
              >
                <option value="">Pause…</option>
                <option value="15">for 15 minutes</option>
                <option value="60">for an hour</option>
                <option value="until">until I resume</option>
              </select>
            </>
          )}
        </div>
      </header>
      {error && (
        <p role="alert" className="error banner">
          {error}{' '}
          <button type="button" className="link" onClick={() => setError(undefined)}>
            dismiss
          </button>
        </p>
      )}
      <nav role="tablist" aria-label="Dashboard sections" className="tabs">
        {tabs.map((t) => (
          <button
            key={t}
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => go(t)}
            onKeyDown={(e) => {
              // The ARIA tabs pattern: arrows, Home and End select a tab and move focus to it.
              const i = tabs.indexOf(t);
              const next = { ArrowRight: tabs[(i + 1) % tabs.length], ArrowLeft: tabs[(i + tabs.length - 1) % tabs.length], Home: tabs[0], End: tabs[tabs.length - 1] }[e.key];
              if (!next) return;
              e.preventDefault();
              go(next);
              document.getElementById(`tab-${next}`)?.focus();
            }}
          >
            {tabLabel[t]}
            {t === 'approvals' && pending.length > 0 && <span className="badge">{pending.length}</span>}
            {t === 'review' && openAlerts > 0 && <span className="badge warn" aria-label={`${openAlerts} open alerts`}>{openAlerts}</span>}
          </button>
        ))}
      </nav>
      <main id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`} className="panel">
        {tab === 'traffic' && <Traffic api={api} live={liveEvents} onLiveConsumed={consumed} />}
        {tab === 'approvals' && <Approvals api={api} pending={pending} version={approvalVersion} />}
        {tab === 'inventory' && <Inventory api={api} />}
        {tab === 'policy' && <Policy api={api} />}
        {tab === 'usage' && <Usage api={api} />}
        {tab === 'connect' && <Connect api={api} />}
        {tab === 'settings' && <Settings api={api} />}
        {tab === 'review' && <Review api={api} onAlertsChanged={refreshAlerts} />}
      </main>
    </div>
  );
}
