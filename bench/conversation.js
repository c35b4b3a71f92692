#!/usr/bin/env node
// A copilot's long session: one conversation of TURNS requests at concurrency 1, each
// carrying every earlier message again (OpenAI chat format, a tool offered, as agentic
// clients send it), growing from about 30 KB to about 200 KB. The proxy cells of
// proxy-overhead.js send one short message each, so what a proxy pays per byte of
// request (TLS on two legs, reading and parsing the body, Belay's detectors) does not
// show there. Reported per target: median latency over the session and over its last ten
// requests, added to direct's, and the proxy's CPU per request. Three sessions per target,
// medians of each. `node bench/conversation.js [--quick] [--json]`; needs the build.
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { makePki } from './lib/pki.js';
import { dispatcherFor } from './lib/load.js';
import { cpuMs, startBelayChild, startMockttpChild, startTlsPipeChild, startUpstreamChild } from './lib/procs.js';
import { median, round } from './lib/stats.js';

const TARGETS = ['direct', 'tls-pipe', 'mockttp', 'belay'];
const TOOLS = [{ type: 'function', function: { name: 'read_file', description: 'Read a file of the repository', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } }];
const SYSTEM = 'You are a coding assistant working in this repository. Follow its conventions and explain each change. '.repeat(280);

/** One user turn: a file's worth of code (about 4.3 KB), with words the secrets rules look for. */
function turn(i) {
  const lines = [];
  for (let j = 0; j < 30; j++) {
    lines.push(`export function handler${i}_${j}(req, res) {\n  const key = cache.key(req.params.id); // token bucket ${j}\n  return res.json({ ok: true, at: Date.now() });\n}\n`);
  }
  return `Here is src/module-${i}.ts; refactor it:\n${lines.join('')}`;
}

async function session(dispatcher, origin, turns) {
  const messages = [{ role: 'system', content: SYSTEM }];
  const times = [];
  let bytes = 0;
  for (let t = 0; t < turns; t++) {
    messages.push({ role: 'user', content: turn(t) });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages, tools: TOOLS });
    bytes = body.length;
    const t0 = performance.now();
    const res = await request(`${origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher });
    await res.body.text();
    times.push(performance.now() - t0);
    messages.push({ role: 'assistant', content: 'Done: the handlers share one error path now.' });
  }
  return { times, lastBodyKB: bytes / 1024 };
}

export async function benchConversation({ quick = false, targets = TARGETS, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const turns = quick ? 20 : 40;
  const sessions = quick ? 1 : 3;
  const pki = makePki();
  const upstream = await startUpstreamChild(pki);
  const origin = `https://127.0.0.1:${upstream.port}`;
  const results = { turns, sessions };
  try {
    for (const target of targets) {
      const proxy =
        target === 'direct' ? { port: undefined, caPem: pki.ca, stop: async () => {} }
        : target === 'tls-pipe' ? await startTlsPipeChild(pki)
        : target === 'mockttp' ? await startMockttpChild({ upstreamCaFile: pki.caFile })
        : await startBelayChild({ upstreamCaFile: pki.caFile });
      try {
        const dispatcher = dispatcherFor({ proxyPort: proxy.port, caPem: proxy.caPem, connections: 1 });
        await session(dispatcher, origin, Math.min(turns, 10)); // warm-up: connections, code paths
        const all = [];
        const last = [];
        const cpu = [];
        let lastBodyKB = 0;
        for (let s = 0; s < sessions; s++) {
          const before = proxy.pid ? cpuMs(proxy.pid) : NaN;
          const r = await session(dispatcher, origin, turns);
          if (proxy.pid) cpu.push(((cpuMs(proxy.pid) - before) * 1000) / turns);
          all.push(median(r.times));
          last.push(median(r.times.slice(-10)));
          lastBodyKB = r.lastBodyKB;
        }
        await dispatcher.close();
        results[target] = { p50: round(median(all), 3), p50Last10: round(median(last), 3), cpuUsPerRequest: cpu.length ? round(median(cpu), 0) : undefined, lastBodyKB: round(lastBodyKB, 0) };
        log(`  ${target} conversation: p50 ${results[target].p50} ms, last ten ${results[target].p50Last10} ms${cpu.length ? `, ${results[target].cpuUsPerRequest} µs CPU/request` : ''}`);
      } finally {
        await proxy.stop();
      }
    }
  } finally {
    upstream.stop();
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchConversation({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
