#!/usr/bin/env node
// Proxy overhead, side by side on one workload: direct, a TLS-terminating byte pipe (the
// floor of any Node proxy), bare mockttp (the floor of our stack), Belay (`belay serve`
// child, default policy) and mitmdump. LLM-shaped HTTPS POSTs at
// concurrency 1 and 16 (latency p50/p99, requests/s), SSE per-event forwarding delay, and
// each proxy's RSS idle and under load. Needs the build (`npx tsc -b`) and, for the
// mitmdump column, Debian's mitmproxy package. `node bench/proxy-overhead.js [--quick] [--json]`.
import { pathToFileURL } from 'node:url';
import { makePki } from './lib/pki.js';
import { startUpstream } from './lib/upstream.js';
import { dispatcherFor, runLoad } from './lib/load.js';
import { sseDelays } from './lib/sse.js';
import { summary, round } from './lib/stats.js';
import { cpuMs, mitmdumpAvailable, mitmdumpVersion, rssMB, rssSampler, startBelayChild, startMitmdump, startMockttpChild, startTlsPipeChild, startUpstreamChild } from './lib/procs.js';

// belay-passthrough: Belay again, with requests that offer no tool, so its fast lane relays
// the answers unheld rather than through the tool-use gate (before the fast lane, item 19 of
// RESULTS.md, these went through mockttp's passthrough). belay-no-lane: the `belay` load with
// `proxy.fastLane: false`, so the same calls take mockttp's request path, Belay's path for MCP
// over HTTP and plain HTTPS: the lane against it in every run. Load cells only: their SSE is
// the `belay` row's own.
// tls-pipe: bench/lib/tls-pipe-child.js, CONNECT and TLS on both legs with the bytes piped
// (no HTTP): what any TLS-intercepting proxy in Node pays before doing anything.
const TARGETS = ['direct', 'tls-pipe', 'mockttp', 'belay', 'belay-passthrough', 'belay-no-lane', 'mitmdump'];
const LOAD_ONLY = new Set(['belay-passthrough', 'belay-no-lane']);

/** `--profile DIR`: a V8 CPU profile of each Node proxy, named after it, to set side by side. */
const profileArgs = (dir, target) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${target}.cpuprofile`] : []);

export async function benchProxy({ quick = false, targets = TARGETS, profileDir, belayNodeArgs = [], tools = true, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const durationMs = quick ? 2000 : 8000;
  const sse = quick ? { streams: 1, events: 50, everyMs: 10 } : { streams: 3, events: 100, everyMs: 10 };
  const pki = makePki();
  const loadUpstream = await startUpstreamChild(pki);
  const sseUpstream = await startUpstream({ cert: pki.cert, key: pki.key });
  const results = {};
  const skipped = {};
  try {
    for (const target of targets) {
      if (target === 'mitmdump' && !mitmdumpAvailable()) {
        skipped.mitmdump = 'mitmdump not installed (apt-get install -y mitmproxy)';
        log('  mitmdump: skipped (not installed)');
        continue;
      }
      const proxy =
        target === 'direct' ? { port: undefined, caPem: pki.ca, stop: async () => {} }
        : target === 'tls-pipe' ? await startTlsPipeChild(pki)
        : target === 'mockttp' ? await startMockttpChild({ upstreamCaFile: pki.caFile, nodeArgs: profileArgs(profileDir, target) })
        : target.startsWith('belay') ? await startBelayChild({ upstreamCaFile: pki.caFile, nodeArgs: [...belayNodeArgs, ...profileArgs(profileDir, target)], settings: target === 'belay-no-lane' ? { proxy: { fastLane: false } } : undefined })
        : await startMitmdump();
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const idleMB = proxy.pid ? rssMB(proxy.pid) : undefined;
        const out = { idleRssMB: round(idleMB, 1) };
        results[target] = out;
        for (const concurrency of [1, 16]) {
          const dispatcher = dispatcherFor({ proxyPort: proxy.port, caPem: proxy.caPem });
          const sampler = proxy.pid ? rssSampler(proxy.pid) : undefined;
          const cpuBefore = proxy.pid ? cpuMs(proxy.pid) : NaN;
          const r = await runLoad({ dispatcher, origin: `https://127.0.0.1:${loadUpstream.port}`, concurrency, durationMs, tools: tools && target !== 'belay-passthrough' });
          const cpuUsed = proxy.pid ? cpuMs(proxy.pid) - cpuBefore : NaN;
          const rss = sampler?.stop();
          await dispatcher.close();
          // The proxy's own CPU per request (µs): warm-up requests are in the count too.
          const cpuUsPerRequest = round((cpuUsed * 1000) / r.requests, 0);
          out[`c${concurrency}`] = { ...summary(r.latencies), requestsPerSec: round(r.requestsPerSec, 0), errors: r.errors, firstError: r.firstError, peakRssMB: round(rss?.peakMB, 1), cpuUsPerRequest };
          log(`  ${target} c=${concurrency}: p50 ${out[`c${concurrency}`].p50} ms, p99 ${out[`c${concurrency}`].p99} ms, ${out[`c${concurrency}`].requestsPerSec} req/s${Number.isFinite(cpuUsPerRequest) ? `, ${cpuUsPerRequest} µs CPU/request` : ''}${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''}`);
        }
        if (LOAD_ONLY.has(target)) continue;
        const dispatcher = dispatcherFor({ proxyPort: proxy.port, caPem: proxy.caPem });
        const streams = [];
        for (let i = 0; i < sse.streams; i++) streams.push(await sseDelays({ dispatcher, origin: `https://127.0.0.1:${sseUpstream.port}`, upstream: sseUpstream, events: sse.events, everyMs: sse.everyMs }));
        out.sse = sseSummary(streams, sse);
        if (target === 'belay') {
          // The same stream with a tool offered: Belay reads it through its tool-use gate.
          const gated = [];
          for (let i = 0; i < sse.streams; i++) gated.push(await sseDelays({ dispatcher, origin: `https://127.0.0.1:${sseUpstream.port}`, upstream: sseUpstream, events: sse.events, everyMs: sse.everyMs, tools: true }));
          results['belay-gated'] = { sse: sseSummary(gated, sse) };
          log(`  belay (tools offered: tool-use gate) SSE: p50 ${results['belay-gated'].sse.p50} ms, p99 ${results['belay-gated'].sse.p99} ms${results['belay-gated'].sse.buffered ? ' BUFFERED' : ''}`);
        }
        await dispatcher.close();
        log(`  ${target} SSE: p50 ${out.sse.p50} ms, p99 ${out.sse.p99} ms${out.sse.buffered ? ' BUFFERED' : ''}`);
        if (target === 'belay') out.belayWarnings = proxy.stderr().split('\n').filter(Boolean).slice(0, 10);
      } finally {
        await proxy.stop();
      }
    }
    // mitmdump buffers whole bodies unless told to stream: measure its SSE once more with
    // streaming on, so the comparison is with mitmproxy at its best, not its default.
    if (targets.includes('mitmdump') && mitmdumpAvailable()) {
      const m = await startMitmdump(['--set', 'stream_large_bodies=1']);
      try {
        const dispatcher = dispatcherFor({ proxyPort: m.port, caPem: m.caPem });
        const streams = [];
        for (let i = 0; i < sse.streams; i++) streams.push(await sseDelays({ dispatcher, origin: `https://127.0.0.1:${sseUpstream.port}`, upstream: sseUpstream, events: sse.events, everyMs: sse.everyMs }));
        await dispatcher.close();
        results['mitmdump-streaming'] = { sse: sseSummary(streams, sse) };
        log(`  mitmdump (stream_large_bodies=1) SSE: p50 ${results['mitmdump-streaming'].sse.p50} ms, p99 ${results['mitmdump-streaming'].sse.p99} ms${results['mitmdump-streaming'].sse.buffered ? ' BUFFERED' : ''}`);
      } finally {
        await m.stop();
      }
    }
  } finally {
    loadUpstream.stop();
    await sseUpstream.close();
  }
  return { durationMs, results, skipped, mitmdumpVersion: mitmdumpAvailable() ? mitmdumpVersion() : undefined, ratios: ratios(results) };
}

/** The worst stream's figures (p50, p99, max) over a target's SSE streams. */
function sseSummary(all, sse) {
  return {
    p50: round(Math.max(...all.map((s) => s.p50)), 3),
    p99: round(Math.max(...all.map((s) => s.p99)), 3),
    max: round(Math.max(...all.map((s) => s.max)), 3),
    buffered: all.some((s) => s.buffered),
    missing: all.reduce((n, s) => n + s.missing, 0),
    streams: all.length,
    eventsPerStream: sse.events,
    everyMs: sse.everyMs,
  };
}

/** Added latency (p50 − direct p50) and throughput ratios to direct and to mitmdump. */
export function ratios(results) {
  const out = {};
  const d = results.direct;
  const m = results.mitmdump;
  for (const [name, r] of Object.entries(results)) {
    if (name === 'direct' || !r.c1) continue;
    out[name] = {};
    for (const c of ['c1', 'c16']) {
      out[name][c] = {
        addedP50Ms: d ? round(r[c].p50 - d[c].p50, 3) : undefined,
        addedP99Ms: d ? round(r[c].p99 - d[c].p99, 3) : undefined,
        throughputVsDirect: d ? round(r[c].requestsPerSec / d[c].requestsPerSec, 2) : undefined,
        throughputVsMitmdump: m ? round(r[c].requestsPerSec / m[c].requestsPerSec, 2) : undefined,
      };
    }
    out[name].sseAddedP99Ms = d && r.sse ? round(r.sse.p99 - d.sse.p99, 3) : undefined;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--targets');
  const p = args.indexOf('--profile');
  // e.g. --belay-node-args "--max-semi-space-size=2 --optimize-for-size" (V8 flags for the Belay process)
  const na = args.indexOf('--belay-node-args');
  // --no-tools: requests offer no tool, so Belay relays them unheld, not through its tool-use gate.
  const result = await benchProxy({ tools: !args.includes('--no-tools'), quick: args.includes('--quick'), targets: t >= 0 ? args[t + 1].split(',') : TARGETS, profileDir: p >= 0 ? args[p + 1] : undefined, belayNodeArgs: na >= 0 ? args[na + 1].split(' ').filter(Boolean) : [] });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
