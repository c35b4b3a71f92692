import { useEffect, useMemo, useState } from 'react';
import type { UsageResponse, UsageRow } from '../../shared/api.js';
import { formatCostUsd } from '../../shared/format.js';
import { neutralise } from '../../shared/neutralise.js';
import { clientLabel } from '../../shared/summary.js';
import { ApiError, errorText, type Api } from '../lib/api.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

function lastDays(days: number): string[] {
  const out: string[] = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let i = days - 1; i >= 0; i--) out.push(new Date(today - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** A stacked bar per day, one colour per series; plain SVG with a title and a table for screen readers. */
function StackedBars({ title, days, rows, value, seriesOf, format }: { title: string; days: string[]; rows: UsageRow[]; value: (r: UsageRow) => number; seriesOf: (r: UsageRow) => string; format: (n: number) => string }) {
  const series = [...new Set(rows.map(seriesOf))];
  const byDay = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = byDay.get(r.day) ?? new Map<string, number>();
    m.set(seriesOf(r), (m.get(seriesOf(r)) ?? 0) + value(r));
    byDay.set(r.day, m);
  }
  const totals = days.map((d) => [...(byDay.get(d)?.values() ?? [])].reduce((a, b) => a + b, 0));
  const max = Math.max(...totals, 0) || 1;
  const W = 720;
  const H = 180;
  const bw = W / days.length;
  const step = Math.ceil(days.length / 8);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-label={`${title}: total ${format(totals.reduce((a, b) => a + b, 0))}`}>
        <title>{title}</title>
        {days.map((d, i) => {
          let y = H;
          return (
            <g key={d}>
              {series.map((s, si) => {
                const v = byDay.get(d)?.get(s) ?? 0;
                if (v === 0) return null;
                const h = (v / max) * (H - 10);
                y -= h;
                return (
                  <rect key={s} x={i * bw + 1} y={y} width={Math.max(1, bw - 2)} height={h} fill={PALETTE[si % PALETTE.length]}>
                    <title>{`${d} · ${s}: ${format(v)}`}</title>
                  </rect>
                );
              })}
              {/* About eight day labels; the last day always, without a regular label crowding it. */}
              {((i % step === 0 && days.length - 1 - i >= step / 2) || i === days.length - 1) && (
                <text x={i * bw + bw / 2} y={H + 14} textAnchor="middle" className="axis">
                  {d.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ul className="legend">
        {series.map((s, i) => (
          <li key={s}>
            <span className="swatch" data-color={i % PALETTE.length} /> {s}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Tokens and cost per client and model per day. */
export function Usage({ api }: { api: Api }) {
  const [days, setDays] = useState(30);
  const [usage, setUsage] = useState<UsageResponse>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.usage(days).then(setUsage, (e) => setError(e instanceof ApiError && e.status === 501 ? 'Usage is not available in this Belay.' : errorText(e)));
  }, [api, days]);
  const dayList = useMemo(() => lastDays(days), [days]);
  const totals = useMemo(() => {
    const m = new Map<string, UsageRow>();
    for (const r of usage?.rows ?? []) {
      const k = `${r.client} ${r.model}`;
      const t = m.get(k) ?? { ...r, day: '', requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 };
      t.requests += r.requests;
      t.inputTokens += r.inputTokens;
      t.outputTokens += r.outputTokens;
      t.costUsd += r.costUsd;
      t.unpriced += r.unpriced;
      m.set(k, t);
    }
    return [...m.values()].sort((a, b) => b.costUsd - a.costUsd);
  }, [usage]);

  return (
    <section className="usage" aria-label="Usage">
      <h2>
        Usage over the last{' '}
        <select aria-label="Days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {[7, 30, 90].map((d) => (
            <option key={d} value={d}>
              {d} days
            </option>
          ))}
        </select>
      </h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {usage && usage.rows.length === 0 && <p className="empty">No LLM traffic in this period.</p>}
      {usage && usage.rows.length > 0 && (
        <>
          <StackedBars title="Cost per day by client (USD)" days={dayList} rows={usage.rows} value={(r) => r.costUsd} seriesOf={(r) => clientLabel(r.client)} format={(n) => formatCostUsd(n)} />
          <StackedBars title="Tokens per day by model" days={dayList} rows={usage.rows} value={(r) => r.inputTokens + r.outputTokens} seriesOf={(r) => neutralise(r.model, { max: 40 })} format={(n) => n.toLocaleString()} />
          <table>
            <caption>Totals per client and model</caption>
            <thead>
              <tr>
                <th>Client</th>
                <th>Model</th>
                <th>Requests</th>
                <th>Input tokens</th>
                <th>Output tokens</th>
                <th>Cost</th>
              </tr>
            </thead>
            <tbody>
              {totals.map((t) => (
                <tr key={`${t.client} ${t.model}`}>
                  <td>{clientLabel(t.client)}</td>
                  <td>{neutralise(t.model, { max: 60 })}</td>
                  <td>{t.requests}</td>
                  <td>{t.inputTokens.toLocaleString()}</td>
                  <td>{t.outputTokens.toLocaleString()}</td>
                  <td>
                    {formatCostUsd(t.costUsd)}
                    {t.unpriced > 0 && <span className="muted"> (+{t.unpriced} unpriced)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
