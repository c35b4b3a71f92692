#!/usr/bin/env node
// Start-up time to a listening proxy: `belay serve` spawned as a child, timed from spawn
// until 127.0.0.1:PORT accepts a TCP connection. First start (CA generated, database
// created) and warm start (same data folder again), then the warm engine's RSS 2 s after
// start and once idle (15 s: V8's memory reducer shrinks the heap after 8 s without
// traffic). `node bench/startup.js [--runs N] [--json]`.
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { belayHome, freePort, rssMB, startBelayChild } from './lib/procs.js';
import { median, round } from './lib/stats.js';

const IDLE_AFTER_MS = 15_000;

export async function benchStartup({ runs = 3 } = {}) {
  const first = [];
  const warm = [];
  const idleRss = [];
  const startedRss = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const home = belayHome({ port });
    try {
      const a = await startBelayChild({ home, port });
      first.push(a.listeningMs);
      await a.stop();
      const b = await startBelayChild({ home, port });
      warm.push(b.listeningMs);
      // Just started: module loading has grown V8's young generation and heap.
      await new Promise((r) => setTimeout(r, 2000));
      startedRss.push(rssMB(b.pid));
      // Idle: proxy, control API, SIEM worker and anomaly monitor running, no traffic, after
      // V8 has had its chance to give start-up memory back.
      await new Promise((r) => setTimeout(r, IDLE_AFTER_MS - 2000));
      idleRss.push(rssMB(b.pid));
      await b.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  return {
    runs,
    firstStartMs: round(median(first), 0),
    warmStartMs: round(median(warm), 0),
    idleRssMB: round(median(idleRss), 1),
    startedRssMB: round(median(startedRss), 1),
    samples: { first: first.map((x) => round(x, 0)), warm: warm.map((x) => round(x, 0)), idleRss: idleRss.map((x) => round(x, 1)), startedRss: startedRss.map((x) => round(x, 1)) },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--runs');
  const result = await benchStartup({ runs: at > 0 ? Number(process.argv[at + 1]) : 3 });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
