import type { ReviewClient, ReviewItem, ReviewReport } from '../../shared/api.js';
import { neutralise } from '../../shared/neutralise.js';

/** Turns an event id into a link (the dashboard's review page), or undefined for ids only. */
export type EventLink = (eventId: string) => string | undefined;

const usd = (n: number) => `$${n.toFixed(n > 0 && n < 0.01 ? 4 : 2)}`;
const KIND_LABEL: Record<ReviewItem['kind'], string> = {
  alert: 'ALERT',
  denied: 'denied',
  'timed-out': 'timed out',
  asked: 'asked',
  'tool-changed': 'tool changed',
  'new-server': 'new server',
  remembered: 'remembered',
};

function top<T>(list: T[], n: number, fmt: (x: T) => string): string {
  if (list.length === 0) return 'none';
  return list.slice(0, n).map(fmt).join(', ') + (list.length > n ? `, … (${list.length - n} more)` : '');
}

/** Markdown, for a terminal or a ticket. Untrusted text (tool names, hosts) is neutralised and escaped. */
export function reviewMarkdown(r: ReviewReport, link: EventLink = () => undefined): string {
  const md = (s: string) => neutralise(s).replace(/([\\`*_[\]<>|])/g, '\\$1');
  const ref = (id: string) => {
    const url = link(id);
    return url ? `[${id}](${url})` : `\`${id}\``;
  };
  const t = r.totals;
  const out: string[] = [
    `# Belay review ${r.since.slice(0, 10)} – ${r.until.slice(0, 10)}`,
    '',
    `${t.calls} calls, ${usd(t.costUsd)} · asked ${t.asked}, allowed ${t.allowed}, denied ${t.denied}, timed out ${t.timedOut} · ${t.alerts} alerts · ${t.toolsChanged} tools changed`,
  ];
  if (r.clients.length === 0) out.push('', 'No copilot activity in this period.');
  for (const c of r.clients) out.push('', ...clientMarkdown(c, md, ref));
  return `${out.join('\n')}\n`;
}

function clientMarkdown(c: ReviewClient, md: (s: string) => string, ref: (id: string) => string): string[] {
  const lines = [
    `## ${md(c.client)}`,
    '',
    `- **Calls:** ${c.calls} (${top(Object.entries(c.byType).sort((a, b) => b[1] - a[1]), 6, ([k, v]) => `${md(k)} ${v}`)}); errors ${c.errors}`,
    `- **Cost:** ${usd(c.costUsd)}, ${c.inputTokens} tokens in / ${c.outputTokens} out${c.unpriced ? ` (${c.unpriced} requests unpriced)` : ''}; models: ${top(c.models, 5, (m) => `${md(m.model)} ${m.requests}× ${usd(m.costUsd)}`)}`,
    `- **Decisions:** asked ${c.asked}, allowed ${c.allowed}, denied ${c.denied}, timed out ${c.timedOut}`,
    `- **Hosts:** ${top(c.hosts, 8, (h) => `${md(h.host)} ${h.calls}`)}`,
    `- **MCP tools:** ${top(c.tools, 8, (x) => `${md(x.server ? `${x.server}/${x.tool}` : x.tool)} ${x.calls}`)}`,
    `- **Remembered answers used:** ${top(c.remembered, 6, (x) => `${md(x.rule)} ${x.uses}×`)}`,
  ];
  if (c.keyActions.length) {
    lines.push('', '### Key actions', '');
    for (const a of c.keyActions) lines.push(`- **${KIND_LABEL[a.kind]}** ${a.time ? `${a.time.replace('T', ' ').slice(0, 19)} ` : ''}${md(a.summary)} — ${ref(a.eventId)}`);
  }
  return lines;
}

/** A standalone HTML page (no scripts, no external resources). */
export function reviewHtml(r: ReviewReport, link: EventLink = () => undefined): string {
  const h = (s: string) => neutralise(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
  const ref = (id: string) => {
    const url = link(id);
    return url ? `<a href="${h(url)}"><code>${h(id)}</code></a>` : `<code>${h(id)}</code>`;
  };
  const t = r.totals;
  const clients = r.clients
    .map((c) => {
      const actions = c.keyActions
        .map((a) => `<li class="${a.kind}"><strong>${KIND_LABEL[a.kind]}</strong> ${h(a.time.replace('T', ' ').slice(0, 19))} ${h(a.summary)} — ${ref(a.eventId)}</li>`)
        .join('\n');
      return `<section>
<h2>${h(c.client)}</h2>
<table>
<tr><th>Calls</th><td>${c.calls} (${h(top(Object.entries(c.byType), 6, ([k, v]) => `${k} ${v}`))}); errors ${c.errors}</td></tr>
<tr><th>Cost</th><td>${usd(c.costUsd)} · ${c.inputTokens} tokens in / ${c.outputTokens} out${c.unpriced ? ` · ${c.unpriced} unpriced` : ''}</td></tr>
<tr><th>Models</th><td>${h(top(c.models, 5, (m) => `${m.model} ${m.requests}× ${usd(m.costUsd)}`))}</td></tr>
<tr><th>Decisions</th><td>asked ${c.asked}, allowed ${c.allowed}, denied ${c.denied}, timed out ${c.timedOut}</td></tr>
<tr><th>Hosts</th><td>${h(top(c.hosts, 10, (x) => `${x.host} ${x.calls}`))}</td></tr>
<tr><th>MCP tools</th><td>${h(top(c.tools, 10, (x) => `${x.server ? `${x.server}/` : ''}${x.tool} ${x.calls}`))}</td></tr>
<tr><th>Remembered answers</th><td>${h(top(c.remembered, 6, (x) => `${x.rule} ${x.uses}×`))}</td></tr>
</table>
${actions ? `<h3>Key actions</h3>\n<ul>\n${actions}\n</ul>` : ''}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Belay review ${h(r.since.slice(0, 10))} – ${h(r.until.slice(0, 10))}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}th{text-align:left;padding-right:1rem;vertical-align:top}li.alert,li.denied{color:#a40000}li.timed-out{color:#8a5a00}</style>
</head><body>
<h1>Belay review ${h(r.since.slice(0, 10))} – ${h(r.until.slice(0, 10))}</h1>
<p>${t.calls} calls, ${usd(t.costUsd)} · asked ${t.asked}, allowed ${t.allowed}, denied ${t.denied}, timed out ${t.timedOut} · ${t.alerts} alerts · ${t.toolsChanged} tools changed</p>
${clients || '<p>No copilot activity in this period.</p>'}
</body></html>
`;
}
