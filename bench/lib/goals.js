// The goals from issue 8 (and issue 2's speed target), checked against one run's results.
// Each returns { goal, measured, met } so RESULTS.md can show them side by side.
import { round } from './stats.js';

export function checkGoals(r) {
  const out = [];
  const add = (goal, measured, met) => out.push({ goal, measured, met });
  const belay = r.proxy?.results?.belay;
  const ratios = r.proxy?.ratios?.belay;
  if (ratios?.c16?.throughputVsMitmdump !== undefined) {
    add('Throughput at c=16 with the default policy ≥ 2.5× mitmdump', `${ratios.c16.throughputVsMitmdump}× (${belay.c16.requestsPerSec} vs ${r.proxy.results.mitmdump.c16.requestsPerSec} req/s)`, ratios.c16.throughputVsMitmdump >= 2.5);
  }
  if (ratios?.c1) add('Added p50 latency at c=1 ≤ 0.7 ms', `${ratios.c1.addedP50Ms} ms`, ratios.c1.addedP50Ms <= 0.7);
  if (ratios?.sseAddedP99Ms !== undefined) {
    add('SSE forwarding delay p99 within 1 ms of direct, never buffered', `${ratios.sseAddedP99Ms >= 0 ? '+' : '−'}${Math.abs(ratios.sseAddedP99Ms)} ms p99 vs direct, ${belay.sse.buffered ? 'BUFFERED' : 'not buffered'}`, ratios.sseAddedP99Ms <= 1 && !belay.sse.buffered);
  }
  if (r.audit?.insert) add('Audit insert ≥ 20,000 events/s with the hash chain', `${r.audit.insert.eventsPerSec} events/s`, r.audit.insert.eventsPerSec >= 20_000);
  const peak = belay ? Math.max(belay.c1.peakRssMB, belay.c16.peakRssMB) : undefined;
  if (peak !== undefined) add('RSS ≤ 150 MB under load', `${round(peak, 0)} MB peak`, peak <= 150);
  if (r.startup?.idleRssMB !== undefined) add('RSS ≤ 100 MB idle', `${r.startup.idleRssMB} MB (${r.startup.startedRssMB} MB 2 s after start)`, r.startup.idleRssMB <= 100);
  if (r.stdioRelay?.overheadMsPerMessage !== undefined) add('stdio relay < 0.2 ms per message', `${round(r.stdioRelay.overheadMsPerMessage, 3)} ms`, r.stdioRelay.overheadMsPerMessage < 0.2);
  if (r.startup?.warmStartMs !== undefined) add('Proxy listening < 1.5 s after start', `${r.startup.warmStartMs} ms warm, ${r.startup.firstStartMs} ms first start (CA created)`, r.startup.warmStartMs < 1500);
  return out;
}
