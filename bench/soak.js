#!/usr/bin/env node
// Soak: mixed traffic at a steady rate through a `belay serve` child for a while, watching
// for errors, leaks (RSS and open file descriptors of the Belay process) and latency that
// grows. Traffic per tick, on a fixed schedule:
//   - LLM JSON: POST /v1/chat/completions with tools (proxy → tool-use gate → upstream)
//   - LLM SSE: the same, streamed (8 events)
//   - MCP over HTTP through the proxy: tools/call of a read tool, and every 10th tick a
//     risky tool (delete_file) that the default policy holds for a human
//   - MCP over stdio: tools/call through one long-lived `belay mcp-wrap` child
//   - approvals: a "human" loop answers every pending approval through the control API
//
//   node bench/soak.js                   60 s, 10 ticks/s (CI-friendly)
//   node bench/soak.js --minutes 30      the long run (see bench/README.md)
//   node bench/soak.js --rate 20 --json  options: --rate ticks/s, --sample-s seconds
// Exit code 1 when there were errors or a leak/latency trend beyond the thresholds below.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { makePki } from './lib/pki.js';
import { startUpstream } from './lib/upstream.js';
import { dispatcherFor, chatBody } from './lib/load.js';
import { summary, round } from './lib/stats.js';
import { BELAY_BIN, ROOT, openFds, rssMB, startBelayChild } from './lib/procs.js';

const MCP_TOOLS = [
  { name: 'read_file', description: 'Read a file.', inputSchema: { type: 'object' } },
  { name: 'delete_file', description: 'Delete a file.', inputSchema: { type: 'object' } },
];

/** Adds an MCP (Streamable HTTP, JSON answers) endpoint at /mcp to the bench upstream's server. */
function mcpHandler(req, body) {
  const msg = JSON.parse(body || '{}');
  if (msg.id === undefined) return { status: 202, body: '' };
  let result;
  if (msg.method === 'initialize') result = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'soak', version: '1' } };
  else if (msg.method === 'tools/list') result = { tools: MCP_TOOLS };
  else result = { content: [{ type: 'text', text: `ok ${msg.params?.name}` }] };
  return { status: 200, headers: { 'content-type': 'application/json', 'mcp-session-id': 'soak-session' }, body: JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) };
}

class Window {
  constructor() {
    this.lat = {};
    this.errors = {};
  }
  ok(kind, ms) {
    (this.lat[kind] ??= []).push(ms);
  }
  fail(kind, err) {
    (this.errors[kind] ??= []).push(String(err?.message ?? err).slice(0, 200));
  }
}

export async function soak({ seconds = 60, rate = 10, sampleSeconds = 5, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const pki = makePki();
  const upstream = await startUpstream({ cert: pki.cert, key: pki.key });
  upstream.extra = mcpHandler;
  const belay = await startBelayChild({ upstreamCaFile: pki.caFile, settings: { approvals: { timeoutSeconds: 30 } } });
  // The control API starts just after the proxy: wait for its control.json.
  const controlFile = path.join(belay.home, 'control.json');
  for (let i = 0; i < 200 && !existsSync(controlFile); i++) await new Promise((r) => setTimeout(r, 50));
  const control = JSON.parse(readFileSync(controlFile, 'utf8'));
  const api = (p, init = {}) =>
    request(`http://127.0.0.1:${control.port}/api${p}`, { ...init, headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const dispatcher = dispatcherFor({ proxyPort: belay.port, caPem: belay.caPem });
  const origin = `https://127.0.0.1:${upstream.port}`;

  // The human: answers every pending approval (allow once), as from the dashboard.
  let decided = 0;
  let stopping = false;
  const human = (async () => {
    while (!stopping) {
      try {
        const res = await api('/approvals');
        const { approvals } = await res.body.json();
        for (const a of approvals) {
          const d = await api(`/approvals/${a.id}/decision`, { method: 'POST', body: JSON.stringify({ decision: 'allow', remember: 'once', by: 'soak' }) });
          await d.body.text();
          if (d.statusCode === 200) decided++;
        }
      } catch (err) {
        log(`soak: control API: ${err.message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  // One long-lived stdio MCP server behind `belay mcp-wrap`.
  const wrap = spawn(process.execPath, [BELAY_BIN, 'mcp-wrap', '--server', 'soak-stdio', '--client', 'claude-desktop', '--', process.execPath, path.join(ROOT, 'test', 'helpers', 'stdio-echo-server.mjs')], {
    env: { ...process.env, BELAY_HOME: belay.home, HOME: belay.home },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdioWaiters = new Map();
  let stdioBuf = '';
  wrap.stdout.on('data', (c) => {
    stdioBuf += c;
    let nl;
    while ((nl = stdioBuf.indexOf('\n')) >= 0) {
      const line = stdioBuf.slice(0, nl);
      stdioBuf = stdioBuf.slice(nl + 1);
      try {
        const m = JSON.parse(line);
        stdioWaiters.get(m.id)?.(m);
        stdioWaiters.delete(m.id);
      } catch {
        log(`soak: unreadable line from mcp-wrap: ${line.slice(0, 100)}`);
      }
    }
  });
  let wrapErr = '';
  wrap.stderr.on('data', (c) => (wrapErr = (wrapErr + c).slice(-2000)));
  let stdioId = 0;
  const stdioCall = (args) =>
    new Promise((resolve, reject) => {
      const id = ++stdioId;
      const t = setTimeout(() => {
        stdioWaiters.delete(id);
        reject(new Error(`stdio call ${id} unanswered after 30 s ${wrapErr.slice(-200)}`));
      }, 30_000);
      stdioWaiters.set(id, (m) => {
        clearTimeout(t);
        if (m.error) reject(new Error(`stdio call refused: ${m.error.message}`));
        else if (m.result?.isError) reject(new Error(`stdio call refused: ${m.result.content?.[0]?.text}`));
        else resolve(m);
      });
      wrap.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'read_file', arguments: args } })}\n`);
    });

  const timed = async (w, kind, fn) => {
    const t0 = performance.now();
    try {
      await fn();
      w.ok(kind, performance.now() - t0);
    } catch (err) {
      w.fail(kind, err);
    }
  };
  const expectOk = async (res, what) => {
    const text = await res.body.text();
    if (res.statusCode !== 200 && res.statusCode !== 202) throw new Error(`${what}: HTTP ${res.statusCode} ${text.slice(0, 120)}`);
    return text;
  };
  const mcp = (id, method, params) =>
    request(`${origin}/mcp`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });

  await expectOk(await mcp(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'soak', version: '1' } }), 'mcp initialize');
  await expectOk(await mcp(2, 'tools/list', {}), 'mcp tools/list');

  const samples = [];
  let w = new Window();
  const t0 = performance.now();
  let tick = 0;
  const inflight = new Set();
  let nextSample = t0 + sampleSeconds * 1000;
  log(`soak: ${seconds} s at ${rate} ticks/s through belay serve (pid ${belay.pid})`);
  while (performance.now() - t0 < seconds * 1000) {
    const due = t0 + (tick * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const win = w;
    const n = tick++;
    const jobs = [
      timed(win, 'llm-json', async () => {
        await expectOk(await request(`${origin}/v1/chat/completions`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json', 'user-agent': 'soak/1' }, body: chatBody() }), 'llm json');
      }),
    ];
    if (n % 2 === 0) {
      jobs.push(timed(win, 'llm-sse', async () => {
        const text = await expectOk(await request(`${origin}/v1/chat/completions?sse=soak${n}&n=8&every=5`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: chatBody(true) }), 'llm sse');
        upstream.sends.delete(`soak${n}`);
        if (!text.includes('[DONE]')) throw new Error('SSE stream ended early');
      }));
    }
    if (n % 2 === 1) jobs.push(timed(win, 'mcp-http', async () => expectOk(await mcp(1000 + n, 'tools/call', { name: 'read_file', arguments: { path: `src/${n % 50}.ts` } }), 'mcp call')));
    if (n % 10 === 5) jobs.push(timed(win, 'mcp-http-approved', async () => {
      const text = await expectOk(await mcp(100_000 + n, 'tools/call', { name: 'delete_file', arguments: { path: `tmp/${n}.txt` } }), 'mcp risky call');
      if (!text.includes('ok delete_file')) throw new Error(`risky call not released after approval: ${text.slice(0, 120)}`);
    }));
    if (n % 2 === 0) jobs.push(timed(win, 'mcp-stdio', () => stdioCall({ path: `src/${n % 50}.ts` })));
    for (const j of jobs) {
      inflight.add(j);
      void j.finally(() => inflight.delete(j));
    }
    if (performance.now() >= nextSample) {
      nextSample += sampleSeconds * 1000;
      samples.push(sample(w, belay.pid, performance.now() - t0));
      w = new Window();
      const s = samples[samples.length - 1];
      log(`soak: ${Math.round(s.atS)} s  rss ${s.rssMB} MB  fds ${s.fds}  errors ${s.errorCount}  ${Object.entries(s.latency).map(([k, v]) => `${k} p50 ${v.p50}`).join('  ')}`);
    }
  }
  await Promise.all(inflight);
  samples.push(sample(w, belay.pid, performance.now() - t0));
  stopping = true;
  await human;
  wrap.stdin.end();
  await new Promise((r) => wrap.once('close', r));
  await dispatcher.close();
  await belay.stop();
  await upstream.close();
  return report(samples, { seconds, rate, decided, belayStderr: belay.stderr().split('\n').filter(Boolean).slice(-10) });
}

function sample(w, pid, atMs) {
  const latency = {};
  for (const [k, v] of Object.entries(w.lat)) latency[k] = summary(v);
  const errors = Object.fromEntries(Object.entries(w.errors).map(([k, v]) => [k, { count: v.length, first: v[0] }]));
  return { atS: round(atMs / 1000, 1), rssMB: round(rssMB(pid), 1), fds: openFds(pid), latency, errors, errorCount: Object.values(w.errors).reduce((n, v) => n + v.length, 0) };
}

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : 0;
}

function report(samples, meta) {
  // The first quarter includes warm-up (JIT, V8 heap sizing, first approvals): trends start after it.
  const steady = samples.length > 2 ? samples.slice(Math.max(1, Math.floor(samples.length / 4))) : samples;
  const minutes = steady.map((s) => s.atS / 60);
  const rssSlope = slope(minutes, steady.map((s) => s.rssMB));
  const fdSlope = slope(minutes, steady.map((s) => s.fds));
  const kinds = [...new Set(steady.flatMap((s) => Object.keys(s.latency)))];
  const latencyTrend = Object.fromEntries(kinds.map((k) => {
    const pts = steady.filter((s) => s.latency[k]);
    const first = pts.slice(0, Math.max(1, Math.floor(pts.length / 3)));
    const last = pts.slice(-Math.max(1, Math.floor(pts.length / 3)));
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return [k, { firstThirdP50: round(mean(first.map((s) => s.latency[k].p50)), 2), lastThirdP50: round(mean(last.map((s) => s.latency[k].p50)), 2), requests: pts.reduce((n, s) => n + s.latency[k].n, 0) }];
  }));
  const errors = samples.reduce((n, s) => n + s.errorCount, 0);
  const verdicts = {
    noErrors: errors === 0,
    // Thresholds: RSS may settle upward early; over the steady part it must not keep growing.
    rssFlat: rssSlope < 2,
    fdsFlat: fdSlope < 2,
    latencyFlat: Object.values(latencyTrend).every((t) => t.lastThirdP50 <= t.firstThirdP50 * 1.5 + 2),
  };
  return {
    ...meta,
    when: new Date().toISOString(),
    errors,
    firstErrors: samples.flatMap((s) => Object.entries(s.errors).map(([k, v]) => `${k}: ${v.first}`)).slice(0, 10),
    rss: { startMB: steady[0]?.rssMB, endMB: steady.at(-1)?.rssMB, maxMB: Math.max(...samples.map((s) => s.rssMB)), slopeMBPerMin: round(rssSlope, 2) },
    fds: { start: steady[0]?.fds, end: steady.at(-1)?.fds, slopePerMin: round(fdSlope, 2) },
    latencyTrend,
    verdicts,
    ok: Object.values(verdicts).every(Boolean),
    samples,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const num = (flag, dflt) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : dflt);
  const seconds = args.includes('--minutes') ? num('--minutes', 1) * 60 : num('--seconds', 60);
  const result = await soak({ seconds, rate: num('--rate', 10), sampleSeconds: num('--sample-s', seconds >= 600 ? 30 : 5) });
  const outDir = path.join(ROOT, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, `soak-${seconds}s.json`), `${JSON.stringify(result, null, 2)}\n`);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const { samples: _s, ...short } = result;
    process.stdout.write(`${JSON.stringify(short, null, 2)}\n`);
  }
  process.exit(result.ok ? 0 : 1);
}
