#!/usr/bin/env node
// Memory allocated per proxied request: `belay serve` under the proxy benchmark's c=16
// LLM-shaped load, with V8's sampling heap profiler counting every allocation over 5 s.
// Unlike requests/s or CPU time it hardly moves with the machine's load, so it shows a
// change in the hot path's garbage (and so GC time and peak RSS) run to run.
// `node bench/alloc-per-request.js [--target belay|mockttp] [--top N] [--survivors]` (N:
// the biggest allocating functions; mockttp: bare mockttp, Belay's floor, for comparison;
// survivors: only what outlived a young-generation GC, i.e. what gets copied and promoted).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makePki } from './lib/pki.js';
import { dispatcherFor, runLoad } from './lib/load.js';
import { ROOT, startBelayChild, startMockttpChild, startUpstreamChild } from './lib/procs.js';
import { round } from './lib/stats.js';

export async function benchAllocPerRequest({ seconds = 5, top = 0, target = 'belay', survivors = false } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'belay-bench-alloc-'));
  const profileFile = path.join(dir, 'heap.json');
  const pki = makePki();
  const upstream = await startUpstreamChild(pki);
  const start = target === 'mockttp' ? startMockttpChild : startBelayChild;
  const proxy = await start({
    upstreamCaFile: pki.caFile,
    nodeArgs: ['--import', pathToFileURL(path.join(ROOT, 'bench', 'lib', 'heap-sampling-preload.js')).href],
    env: { BELAY_BENCH_HEAP_PROFILE: profileFile, BELAY_BENCH_HEAP_SURVIVORS: survivors ? '1' : '0' },
  });
  const dispatcher = dispatcherFor({ proxyPort: proxy.port, caPem: proxy.caPem });
  const origin = `https://127.0.0.1:${upstream.port}`;
  try {
    await runLoad({ dispatcher, origin, concurrency: 16, durationMs: 1500 }); // warm: JIT, pools, caches
    process.kill(proxy.pid, 'SIGUSR1');
    await new Promise((r) => setTimeout(r, 200));
    const load = await runLoad({ dispatcher, origin, concurrency: 16, durationMs: seconds * 1000, warmupMs: 0 });
    process.kill(proxy.pid, 'SIGUSR2');
    for (let i = 0; i < 100 && !existsSync(profileFile); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300)); // the write may still be going on
    const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
    if (profile.error) throw new Error(`heap sampling failed: ${profile.error}`);
    const { total, byFunction } = allocations(profile);
    return {
      seconds,
      requests: load.requests,
      kbPerRequest: round(total / load.requests / 1024, 1),
      top: [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, bytes]) => ({ fn, share: round(bytes / total, 3) })),
    };
  } finally {
    await dispatcher.close();
    await proxy.stop();
    upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes sampled in all, and by allocating function (name, file and line). */
function allocations(profile) {
  let total = 0;
  const byFunction = new Map();
  const walk = (node) => {
    total += node.selfSize;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '').replace(pathToFileURL(ROOT).href + '/', '')}:${f.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
  return { total, byFunction };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--top');
  const t = process.argv.indexOf('--target');
  const result = await benchAllocPerRequest({ top: at > 0 ? Number(process.argv[at + 1]) : 15, target: t > 0 ? process.argv[t + 1] : 'belay', survivors: process.argv.includes('--survivors') });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
