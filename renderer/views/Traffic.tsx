import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EventsQuery } from '../../shared/api.js';
import type { AuditEvent, Decision, EventType } from '../../shared/events.js';
import { neutralise } from '../../shared/neutralise.js';
import { clientLabel, eventSummary } from '../../shared/summary.js';
import { VirtualList } from '../components/VirtualList.js';
import { errorText, type Api } from '../lib/api.js';
import { decisionText } from '../lib/decision.js';
import { EventDetail } from './EventDetail.js';

const ROW = 34;
const PAGE = 500;
/** Most events kept in the page; older ones are fetched again when scrolled to. */
const MAX_KEPT = 50_000;

const kinds: EventType[] = ['llm.request', 'llm.tool_use', 'mcp.tool_call', 'mcp.tools_list', 'mcp.initialize', 'mcp.resource_read', 'mcp.prompt_get', 'a2a.message', 'http', 'tool.changed', 'server.new', 'approval', 'alert', 'system'];
const decisions: Decision[] = ['allow', 'ask', 'deny', 'redact'];

interface Filters {
  client: string;
  type: string;
  decision: string;
  provider: string;
  text: string;
}
const empty: Filters = { client: '', type: '', decision: '', provider: '', text: '' };

function matches(e: AuditEvent, f: Filters): boolean {
  if (f.client && e.client !== f.client) return false;
  if (f.type && e.type !== f.type) return false;
  if (f.decision && e.decision !== f.decision) return false;
  if (f.provider && e.provider !== f.provider && e.server !== f.provider) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    const hay = [e.tool, e.model, e.server, e.host, e.path, e.provider, e.client, e.error].join(' ').toLowerCase();
    if (!hay.includes(t)) return false;
  }
  return true;
}

function toQuery(f: Filters): EventsQuery {
  return {
    limit: PAGE,
    client: f.client || undefined,
    type: (f.type || undefined) as EventType | undefined,
    decision: (f.decision || undefined) as Decision | undefined,
    provider: f.provider || undefined,
    text: f.text || undefined,
  };
}

/** Live traffic: filters, a windowed list (newest first) fed by the live stream, and the detail of the selected event. */
export function Traffic({ api, live, onLiveConsumed }: { api: Api; live: AuditEvent[]; onLiveConsumed: () => void }) {
  const [filters, setFilters] = useState<Filters>(empty);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [selected, setSelected] = useState<AuditEvent | undefined>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const older = useRef<number | undefined>(undefined);
  const loadingOlder = useRef(false);
  const generation = useRef(0);
  const firstLoad = useRef(true);

  // (Re)load the newest page whenever filters change (debounced while typing).
  useEffect(() => {
    const gen = ++generation.current;
    setLoading(true);
    const t = setTimeout(() => {
      api
        .events(toQuery(filters))
        .then((r) => {
          if (gen !== generation.current) return;
          setEvents(r.events);
          older.current = r.nextBeforeSeq;
          setError(undefined);
        })
        .catch((err) => gen === generation.current && setError(errorText(err)))
        .finally(() => gen === generation.current && setLoading(false));
    }, firstLoad.current ? 0 : 200);
    firstLoad.current = false;
    return () => clearTimeout(t);
  }, [api, filters]);

  // Live events (batched by the app) go on top if they match the filters.
  useEffect(() => {
    if (live.length === 0 || loading) return;
    const fresh = live.filter((e) => matches(e, filters));
    onLiveConsumed();
    if (fresh.length === 0) return;
    setEvents((cur) => {
      const top = cur[0]?.seq ?? 0;
      const add = fresh.filter((e) => e.seq > top).reverse();
      if (add.length === 0) return cur;
      const next = add.concat(cur);
      return next.length > MAX_KEPT ? next.slice(0, MAX_KEPT) : next;
    });
  }, [live, filters, loading, onLiveConsumed]);

  const loadOlder = useCallback(() => {
    if (older.current === undefined || loadingOlder.current) return;
    loadingOlder.current = true;
    const gen = generation.current;
    api
      .events({ ...toQuery(filters), beforeSeq: older.current })
      .then((r) => {
        if (gen !== generation.current) return;
        older.current = r.nextBeforeSeq;
        setEvents((cur) => cur.concat(r.events));
      })
      .catch((err) => setError(errorText(err)))
      .finally(() => {
        loadingOlder.current = false;
      });
  }, [api, filters]);

  const clients = useMemo(() => [...new Set(events.slice(0, 2000).map((e) => e.client))].sort(), [events]);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [k]: e.target.value }));

  return (
    <section className="traffic" aria-label="Live traffic">
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Client
          <input list="clients" value={filters.client} onChange={set('client')} placeholder="any" />
          <datalist id="clients">
            {clients.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </label>
        <label>
          Kind
          <select value={filters.type} onChange={set('type')}>
            <option value="">any</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Decision
          <select value={filters.decision} onChange={set('decision')}>
            <option value="">any</option>
            {decisions.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Provider / server
          <input value={filters.provider} onChange={set('provider')} placeholder="any" />
        </label>
        <label className="grow">
          Search
          <input type="search" value={filters.text} onChange={set('text')} placeholder="tool, model, host, path…" />
        </label>
        {Object.values(filters).some(Boolean) && (
          <button type="button" onClick={() => setFilters(empty)}>
            Clear
          </button>
        )}
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="traffic-body">
        <div className="traffic-list">
          <div className="vhead" aria-hidden="true">
            <span className="c-time">Time</span>
            <span className="c-dec">Decision</span>
            <span className="c-client">Client</span>
            <span className="c-sum">What</span>
          </div>
          {events.length === 0 && !loading ? (
            <p className="empty">No traffic{Object.values(filters).some(Boolean) ? ' matches these filters' : ' yet: point a copilot at Belay (see Connect)'}.</p>
          ) : (
            <VirtualList
              items={events}
              rowHeight={ROW}
              keyOf={(e) => e.id}
              label="Events, newest first"
              selectedKey={selected?.id}
              onSelect={setSelected}
              onEndReached={loadOlder}
              renderRow={(e) => (
                <>
                  <span className="c-time">{new Date(e.time).toLocaleTimeString()}</span>
                  <span className={`c-dec decision decision-${e.decision}`}>{decisionText(e)}</span>
                  <span className="c-client">{clientLabel(e.client)}</span>
                  <span className="c-sum">
                    {e.risk && e.risk !== 'none' && <span className={`risk risk-${e.risk}`}>{e.risk}</span>} {eventSummary(e)}
                    {e.error && <span className="error-inline"> — {neutralise(e.error, { max: 80 })}</span>}
                  </span>
                </>
              )}
            />
          )}
        </div>
        <aside className="detail" aria-label="Event detail">
          {selected ? <EventDetail api={api} event={selected} onOpen={setSelected} /> : <p className="empty">Select an event to see its detail.</p>}
        </aside>
      </div>
    </section>
  );
}
