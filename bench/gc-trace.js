#!/usr/bin/env node
// Where Belay's memory under load goes: runs `belay serve` (with any V8 flags given) under
// c=16 LLM-shaped load like bench/proxy-overhead.js and prints V8's GC trace summary
// (heap before/after each mark-compact) next to the process's RSS. Diagnostic only, not
// part of `npm run bench`. `node bench/gc-trace.js [--seconds 8] [--node-args "..."]`
import { makePki } from './lib/pki.js';
import { dispatcherFor, runLoad } from './lib/load.js';
import { rssSampler, startBelayChild, startUpstreamChild } from './lib/procs.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 8;
const nodeArgs = args.includes('--node-args') ? args[args.indexOf('--node-args') + 1].split(' ').filter(Boolean) : [];

const pki = makePki();
const upstream = await startUpstreamChild(pki);
const upstreamPort = upstream.port;
const belay = await startBelayChild({ upstreamCaFile: pki.caFile, nodeArgs: ['--trace-gc', ...nodeArgs] });
let trace = '';
belay.child.stdout.on('data', (d) => (trace += d));
try {
  const dispatcher = dispatcherFor({ proxyPort: belay.port, caPem: belay.caPem });
  const sampler = rssSampler(belay.pid);
  const r = await runLoad({ dispatcher, origin: `https://127.0.0.1:${upstreamPort}`, concurrency: 16, durationMs: seconds * 1000 });
  const rss = sampler.stop();
  await dispatcher.close();
  const lines = trace.split('\n');
  const majors = lines.filter((l) => l.includes('Mark-Compact'));
  const scavenges = lines.filter((l) => l.includes('Scavenge'));
  // "…MB, 6.84 / 0.09 ms": the pause on the main thread is the first figure.
  const pauseMs = (ls) => ls.reduce((sum, l) => sum + Number(/MB, ([\d.]+) \//.exec(l)?.[1] ?? 0), 0);
  console.log(`${Math.round(r.requestsPerSec)} req/s, peak RSS ${rss.peakMB.toFixed(1)} MB, ${scavenges.length} scavenges (${pauseMs(scavenges).toFixed(0)} ms), ${majors.length} mark-compacts (${pauseMs(majors).toFixed(0)} ms)`);
  for (const l of majors) console.log(l.replace(/^\[\d+:0x[0-9a-f]+\]\s*/, '').slice(0, 140));
} finally {
  await belay.stop();
  upstream.stop();
}
