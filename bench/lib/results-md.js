// Renders one run's results as the generated section of bench/RESULTS.md. Everything
// between the GENERATED markers is replaced on each run; the rest of the file (the
// hand-written method and findings) is kept.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const BEGIN = '<!-- BEGIN GENERATED: npm run bench -->';
export const END = '<!-- END GENERATED -->';

const fmt = (x, unit = '') => (x === undefined || x === null || Number.isNaN(x) ? '–' : `${x}${unit}`);

export function renderResults(r) {
  const lines = [];
  const m = r.machine;
  lines.push(`Run ${r.when}${r.quick ? ' (**--quick**: short, indicative only)' : ''} on ${m.cpus}× ${m.model}, Node ${m.node}, ${m.platform}; load average ${m.loadBefore.join(' / ')} before, ${m.loadAfter.join(' / ')} after. mitmdump ${fmt(r.proxy?.mitmdumpVersion)}.`);
  lines.push('');
  lines.push('### Goals');
  lines.push('');
  lines.push('| goal | measured | met |');
  lines.push('|---|---|---|');
  for (const g of r.goals) lines.push(`| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`);
  if (r.proxy) {
    lines.push('');
    lines.push(`### Proxy overhead (LLM-shaped HTTPS POST, ${r.proxy.durationMs / 1000} s per cell)`);
    lines.push('');
    lines.push('| target | c=1 p50 | c=1 p99 | c=1 req/s | c=16 p50 | c=16 p99 | c=16 req/s | CPU/request c=16 | errors | RSS 1 s after start | RSS peak |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [name, x] of Object.entries(r.proxy.results)) {
      if (!x.c1) continue;
      lines.push(`| ${name} | ${x.c1.p50} ms | ${x.c1.p99} ms | ${x.c1.requestsPerSec} | ${x.c16.p50} ms | ${x.c16.p99} ms | ${x.c16.requestsPerSec} | ${fmt(x.c16.cpuUsPerRequest, ' µs')} | ${x.c1.errors + x.c16.errors} | ${fmt(x.idleRssMB, ' MB')} | ${fmt(Math.max(x.c1.peakRssMB ?? NaN, x.c16.peakRssMB ?? NaN), ' MB')} |`);
    }
    lines.push('');
    lines.push('| vs direct / vs mitmdump | added p50 c=1 | added p50 c=16 | throughput c=1 | throughput c=16 | SSE added p99 |');
    lines.push('|---|---|---|---|---|---|');
    for (const [name, x] of Object.entries(r.proxy.ratios)) {
      lines.push(`| ${name} | ${x.c1.addedP50Ms} ms | ${x.c16.addedP50Ms} ms | ${x.c1.throughputVsDirect}× direct, ${fmt(x.c1.throughputVsMitmdump)}× mitmdump | ${x.c16.throughputVsDirect}× direct, ${fmt(x.c16.throughputVsMitmdump)}× mitmdump | ${fmt(x.sseAddedP99Ms, ' ms')} |`);
    }
    lines.push('');
    lines.push('### SSE per-event forwarding delay');
    lines.push('');
    lines.push('| target (belay-gated: tools offered, read through the tool-use gate) | p50 | p99 | max | buffered | events lost |');
    lines.push('|---|---|---|---|---|---|');
    for (const [name, x] of Object.entries(r.proxy.results)) if (x.sse) lines.push(`| ${name} | ${x.sse.p50} ms | ${x.sse.p99} ms | ${x.sse.max} ms | ${x.sse.buffered ? '**yes**' : 'no'} | ${x.sse.missing} |`);
    for (const [name, why] of Object.entries(r.proxy.skipped ?? {})) lines.push(`\n${name} skipped: ${why}`);
  }
  if (r.conversation) {
    const c = r.conversation;
    const direct = c.direct;
    lines.push('');
    lines.push(`### A long conversation (c=1, ${c.turns} requests each resending every earlier message, to ${fmt(c.belay?.lastBodyKB ?? direct?.lastBodyKB, ' KB')}; ${c.sessions} sessions, medians)`);
    lines.push('');
    lines.push('| target | p50 | p50, last ten | added p50 | added p50, last ten | CPU/request |');
    lines.push('|---|---|---|---|---|---|');
    const added = (x, key) => (direct && x !== direct ? `${Math.round((x[key] - direct[key]) * 1000) / 1000} ms` : '–');
    for (const [name, x] of Object.entries(c)) {
      if (typeof x !== 'object' || x === null) continue;
      lines.push(`| ${name} | ${x.p50} ms | ${x.p50Last10} ms | ${added(x, 'p50')} | ${added(x, 'p50Last10')} | ${fmt(x.cpuUsPerRequest, ' µs')} |`);
    }
  }
  lines.push('');
  lines.push('### Engine');
  lines.push('');
  lines.push('| measure | result |');
  lines.push('|---|---|');
  if (r.startup) lines.push(`| start-up to a listening proxy (\`belay serve\`) | ${r.startup.warmStartMs} ms warm, ${r.startup.firstStartMs} ms first start (median of ${r.startup.runs}) |`);
  if (r.allocPerRequest) lines.push(`| memory allocated per proxied request (\`belay serve\`, c=16, V8 sampling heap profiler) | ${r.allocPerRequest.kbPerRequest} KB (${r.allocPerRequest.requests} requests) |`);
  if (r.startup) lines.push(`| RSS idle (\`belay serve\`, 15 s after start, no traffic) | ${r.startup.idleRssMB} MB (${r.startup.startedRssMB} MB 2 s after start) |`);
  if (r.pipeline) {
    for (const p of r.pipeline) {
      if (p.usPerFlow !== undefined) lines.push(`| guard (detectors + policy): ${p.case} | ${p.usPerFlow} µs/flow |`);
      else if (p.usP50 !== undefined) lines.push(`| ${p.case} | p50 ${p.usP50} µs, p99 ${p.usP99} µs |`);
    }
  }
  if (r.stdioRelay) lines.push(`| stdio relay (\`mcp-wrap\`) overhead | ${Number(r.stdioRelay.overheadMsPerMessage).toFixed(3)} ms/message (direct ${Number(r.stdioRelay.directMsPerRoundTrip).toFixed(3)} ms, relayed ${Number(r.stdioRelay.relayedMsPerRoundTrip).toFixed(3)} ms per round trip; 4 MB message +${Math.round(r.stdioRelay.bigOverheadMsPerRoundTrip)} ms) |`);
  if (r.audit) {
    lines.push(`| audit insert (hash chain, batched) | ${r.audit.insert.eventsPerSec} events/s (${r.audit.events} events, append() ${r.audit.insert.appendUsPerEvent} µs) |`);
    lines.push(`| audit chain verify | ${r.audit.verify.eventsPerSec} events/s |`);
    for (const e of r.audit.exports ?? []) lines.push(`| export ${e.format} | ${e.eventsPerSec} events/s, ${e.mbPerSec} MB/s |`);
  }
  if (r.siem) for (const [k, v] of Object.entries(r.siem)) if (v.eventsPerSec) lines.push(`| SIEM forwarder ${k} | ${v.eventsPerSec} events/s |`);
  if (r.parsersLlm) for (const p of r.parsersLlm) lines.push(`| LLM parser ${p.parser} | ${p.eventsPerSec} events/s (${p.mbPerSec} MB/s) |`);
  if (r.classify) for (const p of r.classify) lines.push(`| classify(): ${p.shape} | ${p.usPerCall} µs/call |`);
  if (r.parsersMcp) for (const p of r.parsersMcp) lines.push(`| MCP parser ${p.parser} | ${p.messagesPerSec} messages/s |`);
  if (r.dashboardQueries) {
    const q = r.dashboardQueries;
    lines.push('');
    lines.push(`### Dashboard queries at ${q.events.toLocaleString('en')} events (${q.dbMB} MB database, filled at ${q.fillEventsPerSec} events/s)`);
    lines.push('');
    lines.push('| view | p50 | p99 | rows |');
    lines.push('|---|---|---|---|');
    for (const [name, v] of Object.entries(q.views)) lines.push(`| ${name} | ${v.p50Ms} ms | ${v.p99Ms} ms | ${v.rows} |`);
  }
  if (r.dashboardTiming) {
    const d = r.dashboardTiming;
    lines.push('');
    lines.push(`Dashboard in headless Chromium (bench/out/dashboard-timing.json, ${d.when}): first paint ${d.firstPaintMs} ms at ${d.events} events; scroll frames p50 ${d.scrollFrames?.p50Ms} ms, p95 ${d.scrollFrames?.p95Ms} ms.`);
  }
  if (r.errors && Object.keys(r.errors).length) {
    lines.push('');
    lines.push('### Parts that failed in this run');
    lines.push('');
    for (const [k, v] of Object.entries(r.errors)) lines.push(`- ${k}: ${v}`);
  }
  return lines.join('\n');
}

/** Replaces the generated section of RESULTS.md (or appends one), keeping the hand-written text. */
export function writeResultsMd(file, r) {
  const section = `${BEGIN}\n\n${renderResults(r)}\n\n${END}`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\n';
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  const next = a >= 0 && b > a ? `${old.slice(0, a)}${section}${old.slice(b + END.length)}` : `${old.trimEnd()}\n\n## Latest run\n\n${section}\n`;
  writeFileSync(file, next);
}
